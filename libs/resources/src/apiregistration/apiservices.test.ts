import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { apiServicesDefinition, availableCell } from './apiservices';

const def = apiServicesDefinition();

const remote = (over: Record<string, unknown> = {}, name = 'v1beta1.metrics.k8s.io'): KObject => ({
  metadata: { name },
  spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server' }, ...over },
});

const errs = (o: KObject) => def.strategy.validate!(o).map(fieldErrorString);

describe('apiservices', () => {
  it('defaults spec.service.port to 443 and clears status on create', () => {
    const s = remote();
    s.status = { conditions: [{ type: 'Available', status: 'True' }] };
    def.strategy.default!(s);
    def.strategy.prepareForCreate!(s);
    expect((s.spec as { service: { port: number } }).service.port).toBe(443);
    expect(s.status).toEqual({});
    expect(errs(s)).toEqual([]);
  });

  it('validates as kube-aggregator does', () => {
    expect(errs(remote({}, 'v1.metrics.k8s.io'))).toEqual(['metadata.name: Invalid value: "v1.metrics.k8s.io": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"']);
    expect(errs(remote({ groupPriorityMinimum: 0, versionPriority: 1001 }))).toEqual([
      'spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000',
      'spec.versionPriority: Invalid value: 1001: must be positive and less than 1000',
    ]);
    expect(errs(remote({ service: { port: 443 } }))).toEqual(['spec.service.namespace: Required value', 'spec.service.name: Required value']);
    expect(errs(remote({ insecureSkipTLSVerify: true, caBundle: Buffer.from('abc').toString('base64') }))).toEqual([
      'spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present',
    ]);
    const local: KObject = { metadata: { name: 'v2.' }, spec: { group: '', version: 'v2', groupPriorityMinimum: 1, versionPriority: 1, caBundle: Buffer.from('abcd').toString('base64'), insecureSkipTLSVerify: true } };
    expect(errs(local)).toEqual([
      'spec.group: Required value: only v1 may have an empty group and it better be legacy kube',
      'spec.caBundle: Invalid value: "4 bytes": local APIServices may not have a caBundle',
      'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
    ]);
    expect(errs(remote({ version: 'V1' }, 'V1.metrics.k8s.io'))[0]).toMatch(/^spec\.version: Invalid value: "V1": a DNS-1035 label must consist of lower case/);
  });

  it('validates status conditions', () => {
    const s = remote();
    s.status = { conditions: [{ type: 'Available', status: 'Maybe' }] };
    expect(def.statusStrategy!.validateUpdate!(s, remote()).map(fieldErrorString)).toEqual([
      'status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"',
    ]);
  });

  it('table: NAME, SERVICE (Local or ns/name), AVAILABLE, AGE', () => {
    expect(def.table!.columns.map((c) => c.name)).toEqual(['Name', 'Service', 'Available', 'Age']);
    const now = new Date('2024-05-01T12:00:00Z');
    const s = remote();
    s.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    s.status = { conditions: [{ type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck' }] };
    expect(def.table!.cells(s, now)).toEqual(['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (FailedDiscoveryCheck)', '60s']);
    const local: KObject = { metadata: { name: 'v1.apps', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { group: 'apps', version: 'v1' }, status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] } };
    expect(def.table!.cells(local, now)).toEqual(['v1.apps', 'Local', 'True', '60s']);
    expect(availableCell({ metadata: {} })).toBe('Unknown');
  });
});
