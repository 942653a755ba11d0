import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { servicesDefinition } from './services';

const def = servicesDefinition();

function svc(spec: Record<string, unknown>, name = 'web'): KObject & { spec: any; status?: any } {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', creationTimestamp: '2024-05-01T10:00:00Z' }, spec };
}

function created(spec: Record<string, unknown>): KObject & { spec: any; status?: any } {
  const s = svc(spec);
  def.strategy.default!(s);
  def.strategy.prepareForCreate!(s);
  return s;
}

describe('service defaulting', () => {
  it('ClusterIP defaults', () => {
    const s = created({ selector: { app: 'web' }, ports: [{ port: 80 }] });
    expect(s.spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      sessionAffinity: 'None',
      type: 'ClusterIP',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    expect(s.status).toEqual({ loadBalancer: {} });
  });

  it('NodePort and LoadBalancer defaults', () => {
    expect(created({ type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] }).spec).toMatchObject({
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }],
    });
    expect(created({ type: 'LoadBalancer', ports: [{ port: 443 }] }).spec).toMatchObject({ allocateLoadBalancerNodePorts: true });
  });

  it('ClientIP affinity gets the default timeout; clusterIP and clusterIPs stay in step', () => {
    const s = created({ sessionAffinity: 'ClientIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] });
    expect(s.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(s.spec.clusterIPs).toEqual(['10.96.0.10']);
  });

  it('headless services without selector are dual-stack by default', () => {
    expect(created({ clusterIP: 'None' }).spec).toMatchObject({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    expect(created({ type: 'ExternalName', externalName: 'example.com' }).spec.ipFamilies).toBeUndefined();
  });
});

describe('service validation', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['valid', { ports: [{ port: 80 }] }, []],
    ['ports required', { selector: { app: 'x' } }, ['spec.ports: Required value']],
    ['headless needs no ports', { clusterIP: 'None' }, []],
    ['port range', { ports: [{ port: 70000, targetPort: 80 }] }, ['spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    [
      'port 0 also defaults targetPort to 0',
      { ports: [{ port: 0 }] },
      [
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'names required with several ports',
      { ports: [{ port: 80 }, { port: 443, name: 'https' }] },
      ['spec.ports[0].name: Required value'],
    ],
    [
      'duplicate ports',
      { ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] },
      [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    ],
    ['type', { type: 'Magic', ports: [{ port: 80 }] }, [
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]],
    ['external name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    ['nodePort on ClusterIP', { ports: [{ port: 80, nodePort: 30080 }] }, [
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]],
  ])('%s', (_name, spec, want) => {
    const s = svc(spec);
    def.strategy.default!(s);
    expect(def.strategy.validate!(s).map(fieldErrorString)).toEqual(want);
  });
});

describe('service table', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  it('prints TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR', () => {
    expect(def.table!.columns.map((c) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(def.table!.cells(created({ selector: { app: 'web' }, ports: [{ port: 80 }] }), now)).toEqual([
      'web',
      'ClusterIP',
      '<none>',
      '<none>',
      '80/TCP',
      '120m',
      'app=web',
    ]);
    const np = created({ type: 'NodePort', clusterIP: '10.96.1.2', ports: [{ port: 80, nodePort: 30080 }, { port: 443, nodePort: 30443 }] });
    expect(def.table!.cells(np, now)).toEqual(['web', 'NodePort', '10.96.1.2', '<none>', '80:30080/TCP,443:30443/TCP', '120m', '<none>']);
    const lb = created({ type: 'LoadBalancer', ports: [{ port: 80 }] });
    expect(def.table!.cells(lb, now)[3]).toBe('<pending>');
    lb.status = { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } };
    expect(def.table!.cells(lb, now)[3]).toBe('203.0.113.7');
  });
});
