import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { leasesDefinition } from './leases';

const def = leasesDefinition();

describe('leases', () => {
  it('spec always present; durations validated', () => {
    const lease: KObject = { metadata: { name: 'l', namespace: 'kube-system' } };
    def.strategy.default!(lease);
    expect(lease.spec).toEqual({});
    lease.spec = { leaseDurationSeconds: 0, leaseTransitions: -1 };
    expect(def.strategy.validate!(lease).map(fieldErrorString)).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(def.strategy.allowCreateOnUpdate).toBe(true);
    expect(def.strategy.allowUnconditionalUpdate).toBe(false);
  });

  it('table', () => {
    const lease: KObject = { metadata: { name: 'l', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { holderIdentity: 'node-1' } };
    expect(def.table!.cells(lease, new Date('2024-05-01T12:00:00Z'))).toEqual(['l', 'node-1', '60s']);
  });
});
