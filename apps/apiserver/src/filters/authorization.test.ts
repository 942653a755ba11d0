import { describe, expect, it, vi } from 'vitest';
import type { UserInfo } from '../http/context';
import { withAuthorization } from './authorization';
import { defaultAuthorizer } from './default-authorizer';
import { fakeContext, okHandler } from './fake-context';
import { forbiddenStatus } from './forbidden';
import { parseRequestInfo } from './request-info';
import type { Authorizer } from './types';

const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const bob: UserInfo = { name: 'bob', groups: ['system:authenticated'] };
const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const denyAll: Authorizer = { authorize: async () => ({ allowed: false }) };

function attrs(method: string, url: string) {
  const u = new URL(url, 'https://x');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

describe('defaultAuthorizer', () => {
  it.each([
    [admin, 'GET', '/api/v1/secrets', true],
    [bob, 'GET', '/api/v1/secrets', true],
    [bob, 'DELETE', '/apis/apps/v1/namespaces/a/deployments/x', true],
    [bob, 'GET', '/api', true],
    [anonymous, 'GET', '/healthz', true],
    [anonymous, 'GET', '/livez', true],
    [anonymous, 'GET', '/readyz', true],
    [anonymous, 'GET', '/version', true],
    [anonymous, 'GET', '/version/', true],
    [anonymous, 'GET', '/healthz/etcd', false],
    [anonymous, 'POST', '/healthz', false],
    [anonymous, 'GET', '/api', false],
    [anonymous, 'GET', '/api/v1/namespaces/default/pods', false],
  ])('%o %s %s → %s', async (user, method, url, allowed) => {
    expect((await defaultAuthorizer.authorize(user, attrs(method, url))).allowed).toBe(allowed);
  });

  it('lets only system:masters impersonate', async () => {
    const imp = { ...attrs('GET', '/api/v1/pods'), verb: 'impersonate', resource: 'users', name: 'x' };
    expect((await defaultAuthorizer.authorize(admin, imp)).allowed).toBe(true);
    expect((await defaultAuthorizer.authorize(bob, imp)).allowed).toBe(false);
  });
});

describe('forbiddenStatus (upstream messages and details)', () => {
  it.each([
    ['GET', '/api/v1/namespaces/x/configmaps', '', 'configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "x"', { kind: 'configmaps' }],
    ['GET', '/api/v1/namespaces/x/pods/p/log', '', 'pods "p" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "x"', { name: 'p', kind: 'pods' }],
    ['GET', '/api/v1/nodes', '', 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope', { kind: 'nodes' }],
    ['GET', '/api/v1/namespaces/x/pods?fieldSelector=metadata.name%3Dp&watch=1', '', 'pods "p" is forbidden: User "bob" cannot watch resource "pods" in API group "" in the namespace "x"', { name: 'p', kind: 'pods' }],
    ['POST', '/apis/apps/v1/namespaces/x/deployments', '', 'deployments.apps is forbidden: User "bob" cannot create resource "deployments" in API group "apps" in the namespace "x"', { group: 'apps', kind: 'deployments' }],
    ['DELETE', '/api/v1/namespaces/x', '', 'namespaces "x" is forbidden: User "bob" cannot delete resource "namespaces" in API group "" in the namespace "x"', { name: 'x', kind: 'namespaces' }],
    ['GET', '/foo', '', 'forbidden: User "bob" cannot get path "/foo"', {}],
    ['GET', '/foo', 'no RBAC policy matched', 'forbidden: User "bob" cannot get path "/foo": no RBAC policy matched', {}],
    ['GET', '/a&b', '', 'forbidden: User "bob" cannot get path "/a&amp;b"', {}],
  ])('%s %s', (method, url, reason, message, details) => {
    expect(forbiddenStatus(bob, attrs(method, url), reason)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'Forbidden',
      details,
      code: 403,
    });
  });
});

describe('withAuthorization', () => {
  it('calls the handler when allowed', async () => {
    const { ctx, res } = fakeContext({ url: '/healthz', user: anonymous });
    await withAuthorization(defaultAuthorizer)(okHandler)(ctx);
    expect(res.statusCode).toBe(200);
  });

  it('answers 403 with the exact upstream body for anonymous on a non-public path', async () => {
    const { ctx, res } = fakeContext({ url: '/api', user: anonymous });
    await withAuthorization(defaultAuthorizer)(okHandler)(ctx);
    expect(res.statusCode).toBe(403);
    expect(res.getHeader('x-content-type-options')).toBe('nosniff');
    expect(res.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \\"system:anonymous\\" cannot get path \\"/api\\"","reason":"Forbidden","details":{},"code":403}',
    );
  });

  it('appends the authorizer reason', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/namespaces/x/secrets', user: bob });
    await withAuthorization({ authorize: async () => ({ allowed: false, reason: 'because' }) })(okHandler)(ctx);
    expect((res.json() as { message: string }).message).toBe(
      'secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "x": because',
    );
  });

  it('answers upstream plain-text 500 when the authorizer fails or no user is known', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const a = fakeContext({ url: '/api/v1/pods', user: bob });
    await withAuthorization({
      authorize: async () => {
        throw new Error('webhook down');
      },
    })(okHandler)(a.ctx);
    expect(a.res.statusCode).toBe(500);
    expect(a.res.body).toBe('Internal Server Error: "/api/v1/pods": webhook down\n');
    const b = fakeContext({ url: '/api/v1/pods' });
    await withAuthorization(denyAll)(okHandler)(b.ctx);
    expect(b.res.statusCode).toBe(500);
    vi.restoreAllMocks();
  });
});
