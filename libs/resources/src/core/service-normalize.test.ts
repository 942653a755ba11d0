import { describe, expect, it } from 'vitest';
import { normalizeClusterIPsOnUpdate } from './service-defaults';

describe('normalizeClusterIPsOnUpdate (upstream normalizeClusterIPs, update branch)', () => {
  const old = { clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'] };
  it('a changed clusterIP with unchanged clusterIPs replaces them', () => {
    const spec: Record<string, unknown> = { clusterIP: '10.0.0.20', clusterIPs: ['10.0.0.10'] };
    normalizeClusterIPsOnUpdate(spec, old);
    expect(spec.clusterIPs).toEqual(['10.0.0.20']);
  });
  it('a cleared clusterIP clears unchanged clusterIPs', () => {
    const spec: Record<string, unknown> = { clusterIP: '', clusterIPs: ['10.0.0.10'] };
    normalizeClusterIPsOnUpdate(spec, old);
    expect(spec.clusterIPs).toBeUndefined();
  });
  it('an old client that left clusterIPs out keeps them', () => {
    const spec: Record<string, unknown> = { clusterIP: '10.0.0.10' };
    normalizeClusterIPsOnUpdate(spec, old);
    expect(spec.clusterIPs).toEqual(['10.0.0.10']);
  });
  it('changed clusterIPs are left for validation', () => {
    const spec: Record<string, unknown> = { clusterIP: '10.0.0.20', clusterIPs: ['10.0.0.30'] };
    normalizeClusterIPsOnUpdate(spec, old);
    expect(spec.clusterIPs).toEqual(['10.0.0.30']);
  });
});
