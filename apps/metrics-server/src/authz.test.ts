import { describe, expect, it } from 'vitest';
import { type Attributes, DelegatingAuthorizer, subjectAccessReview } from './authz';

const list: Attributes = { isResourceRequest: true, path: '/apis/metrics.k8s.io/v1beta1/nodes', verb: 'list', apiGroup: 'metrics.k8s.io', apiVersion: 'v1beta1', namespace: '', resource: 'nodes', subresource: '', name: '' };
const healthz: Attributes = { ...list, isResourceRequest: false, path: '/healthz', verb: 'get', apiGroup: '', apiVersion: '', resource: '' };

describe('DelegatingAuthorizer', () => {
  it('always allows the health paths and system:masters without a review', async () => {
    let calls = 0;
    const a = new DelegatingAuthorizer(async () => (calls++, { allowed: false }));
    expect(await a.authorize({ name: 'system:anonymous', groups: ['system:unauthenticated'] }, healthz)).toEqual({ allowed: true, reason: '' });
    expect(await a.authorize({ name: 'admin', groups: ['system:masters'] }, list)).toEqual({ allowed: true, reason: '' });
    expect(calls).toBe(0);
  });

  it('asks with a SubjectAccessReview and caches allowed and denied answers for their TTLs', async () => {
    let now = 0;
    const seen: Record<string, unknown>[] = [];
    const a = new DelegatingAuthorizer(
      async (r) => {
        seen.push(r);
        return (r.spec as { user: string }).user === 'ok' ? { allowed: true, reason: 'RBAC: allowed' } : { allowed: false, reason: '' };
      },
      { allowCacheTtlMs: 1000, denyCacheTtlMs: 500, now: () => now },
    );
    const ok = { name: 'ok', groups: ['system:authenticated'], extra: { scopes: ['x'] }, uid: 'u1' };
    expect(await a.authorize(ok, list)).toEqual({ allowed: true, reason: 'RBAC: allowed' });
    expect(await a.authorize(ok, list)).toEqual({ allowed: true, reason: 'RBAC: allowed' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { resourceAttributes: { verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'nodes' }, user: 'ok', groups: ['system:authenticated'], extra: { scopes: ['x'] }, uid: 'u1' },
    });
    expect((await a.authorize({ name: 'no', groups: [] }, list)).allowed).toBe(false);
    now = 600; // deny expired, allow still cached
    await a.authorize({ name: 'no', groups: [] }, list);
    await a.authorize(ok, list);
    expect(seen).toHaveLength(3);
  });

  it('non-resource requests review the path', () => {
    expect(subjectAccessReview({ name: 'u', groups: [] }, { ...healthz, path: '/apis' }).spec).toEqual({ nonResourceAttributes: { path: '/apis', verb: 'get' }, user: 'u', groups: [] });
  });
});
