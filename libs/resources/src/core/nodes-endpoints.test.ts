import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { endpointsDefinition } from './endpoints';
import { nodesDefinition } from './nodes';

const NOW = new Date('2024-05-03T12:00:00Z');

describe('nodes', () => {
  const def = nodesDefinition();
  const node = (): KObject & { spec?: any; status?: any } => ({
    metadata: { name: 'node-1', creationTimestamp: '2024-05-01T09:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Ubuntu 24.04', kernelVersion: '6.8.0', containerRuntimeVersion: 'containerd://1.7.0' },
      capacity: { cpu: '4' },
    },
  });

  it('defaults the always-present status shape and allocatable', () => {
    const n: KObject & { status?: any } = { metadata: { name: 'n' } };
    def.strategy.default!(n);
    expect(n.status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 0 } });
    expect(n.status.nodeInfo.machineID).toBe('');
    const full = node();
    def.strategy.default!(full);
    expect(full.status.allocatable).toEqual({ cpu: '4' });
  });

  it('table: STATUS ROLES AGE VERSION and wide columns', () => {
    expect(def.table!.cells(node(), NOW)).toEqual([
      'node-1',
      'Ready,SchedulingDisabled',
      'control-plane',
      '2d3h',
      'v1.32.0',
      '192.168.1.10',
      '<none>',
      'Ubuntu 24.04',
      '6.8.0',
      'containerd://1.7.0',
    ]);
    expect(def.selectableFields!(node())).toEqual({ 'spec.unschedulable': 'true' });
  });

  it('providerID may only be set once', () => {
    const old = { ...node(), spec: { providerID: 'aws://a' } };
    const next = { ...node(), spec: { providerID: 'aws://b' } };
    expect(def.strategy.validateUpdate!(next, old).map(fieldErrorString)).toEqual([
      'spec.providerID: Forbidden: node updates may not change providerID except from "" to valid',
    ]);
  });
});

describe('endpoints', () => {
  const def = endpointsDefinition();
  const ep = (subsets: unknown[]): KObject => ({ metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-03T11:00:00Z' }, subsets });

  it('defaults port protocols and validates addresses', () => {
    const e = ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '127.0.0.1' }, { ip: 'nope' }], ports: [{ port: 80 }] }]);
    def.strategy.default!(e);
    expect((e.subsets as any)[0].ports[0].protocol).toBe('TCP');
    expect(def.strategy.validate!(e).map(fieldErrorString)).toEqual([
      'subsets[0].addresses[1].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      'subsets[0].addresses[2].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      'subsets[0].addresses[2].ip: Invalid value: "nope": must be a valid IP address',
    ]);
    expect(def.strategy.validate!(ep([{}])).map(fieldErrorString)).toEqual(['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
  });

  it('table', () => {
    expect(def.table!.cells(ep([]), NOW)).toEqual(['web', '<none>', '60m']);
    const many = ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }]);
    expect(def.table!.cells(many, NOW)[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  });
});
