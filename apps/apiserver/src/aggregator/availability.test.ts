import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { AvailabilityController, LOCAL_CONDITION, setAvailableCondition } from './availability';
import { directDialer } from '../egress/egress-selector';
import { RemoteDiscovery } from './remote-discovery';
import { ResolveError } from './resolver';

const remote: KObject = { metadata: { name: 'v1.test.example.io' }, spec: { group: 'test.example.io', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1, service: { namespace: 'ns', name: 'api', port: 443 } } };

function controller(over: { resolveAll?: () => Promise<{ ip: string; port: number }[]>; fetch?: () => Promise<{ status: number; body: Buffer }> }) {
  return new AvailabilityController({
    list: () => [remote],
    get: () => remote,
    apiServices: () => undefined,
    stores: { services: () => undefined, endpointSlices: () => undefined, endpoints: () => undefined },
    dialer: directDialer,
    client: () => undefined,
    discovery: new RemoteDiscovery(() => [remote]),
    resolveAll: over.resolveAll ?? (async () => [{ ip: '10.0.0.1', port: 8443 }]),
    fetch: over.fetch,
  });
}

describe('APIService availability', () => {
  it('local APIServices are always available', async () => {
    const c = controller({});
    expect((await c.check({ metadata: { name: 'v1.apps' }, spec: { group: 'apps', version: 'v1' } })).cond).toEqual(LOCAL_CONDITION);
  });

  it('passes when the discovery GET answers 2xx, keeping its resources', async () => {
    const body = Buffer.from(JSON.stringify({ kind: 'APIResourceList', resources: [{ name: 'things' }] }));
    const r = await controller({ fetch: async () => ({ status: 200, body }) }).check(remote);
    expect(r.cond).toEqual({ type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' });
    expect(r.resources).toEqual([{ name: 'things' }]);
  });

  it('fails the discovery check with upstream messages', async () => {
    const bad = await controller({ fetch: async () => ({ status: 403, body: Buffer.alloc(0) }) }).check(remote);
    expect(bad.cond).toEqual({
      type: 'Available',
      status: 'False',
      reason: 'FailedDiscoveryCheck',
      message: 'failing or missing response from https://10.0.0.1:8443/apis/test.example.io/v1: bad status from https://10.0.0.1:8443/apis/test.example.io/v1: 403',
    });
    const down = await controller({ fetch: async () => Promise.reject(new Error('dial tcp 10.0.0.1:8443: connect: connection refused')) }).check(remote);
    expect(down.cond.message).toBe(
      'failing or missing response from https://10.0.0.1:8443/apis/test.example.io/v1: Get "https://10.0.0.1:8443/apis/test.example.io/v1": dial tcp 10.0.0.1:8443: connect: connection refused',
    );
  });

  it('reports service and endpoint problems with their reasons', async () => {
    const r = await controller({ resolveAll: async () => Promise.reject(new ResolveError('MissingEndpoints', 'endpointslices for service/api in "ns" have no addresses with port name "https"')) }).check(remote);
    expect(r.cond).toEqual({ type: 'Available', status: 'False', reason: 'MissingEndpoints', message: 'endpointslices for service/api in "ns" have no addresses with port name "https"' });
  });

  it('keeps lastTransitionTime while the status stays the same', () => {
    const s: KObject = { metadata: {} };
    expect(setAvailableCondition(s, { type: 'Available', status: 'False', reason: 'A', message: 'a' }, new Date('2024-01-01T00:00:00Z'))).toBe(true);
    expect(setAvailableCondition(s, { type: 'Available', status: 'False', reason: 'A', message: 'a' })).toBe(false);
    expect(setAvailableCondition(s, { type: 'Available', status: 'False', reason: 'B', message: 'b' }, new Date('2024-01-02T00:00:00Z'))).toBe(true);
    expect((s.status as { conditions: unknown[] }).conditions).toEqual([{ type: 'Available', status: 'False', reason: 'B', message: 'b', lastTransitionTime: '2024-01-01T00:00:00Z' }]);
    setAvailableCondition(s, { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }, new Date('2024-01-03T00:00:00Z'));
    expect((s.status as { conditions: { lastTransitionTime: string }[] }).conditions[0].lastTransitionTime).toBe('2024-01-03T00:00:00Z');
  });
});
