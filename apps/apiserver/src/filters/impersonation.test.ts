import { describe, expect, it } from 'vitest';
import type { RequestContext, UserInfo } from '../http/context';
import { defaultAuthorizer } from './default-authorizer';
import { fakeContext } from './fake-context';
import { withImpersonation } from './impersonation';
import type { AuthorizationAttributes, Authorizer } from './types';

const admin: UserInfo = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };

async function run(user: UserInfo, headers: Record<string, string | string[]>, authorizer: Authorizer = defaultAuthorizer) {
  const { ctx, res } = fakeContext({ url: '/api/v1/namespaces/default/pods', user, headers });
  let seen: RequestContext | undefined;
  await withImpersonation(authorizer)(async (c) => {
    seen = c;
  })(ctx);
  return { ctx, res, seen };
}

describe('withImpersonation', () => {
  it('passes requests without Impersonate-* headers through', async () => {
    const { seen } = await run(alice, {});
    expect(seen?.user).toBe(alice);
    expect(seen?.originalUser).toBeUndefined();
  });

  it('lets system:masters impersonate a user with groups and extras', async () => {
    const { seen } = await run(admin, {
      'Impersonate-User': 'bob',
      'Impersonate-Group': ['dev', 'ops'],
      'Impersonate-Extra-Scopes': ['view', 'edit'],
      'Impersonate-Uid': 'uid-1',
    });
    expect(seen?.user).toEqual({ name: 'bob', uid: 'uid-1', groups: ['dev', 'ops', 'system:authenticated'], extra: { scopes: ['view', 'edit'] } });
    expect(seen?.originalUser).toBe(admin);
    expect(Object.keys(seen?.req.headers ?? {}).filter((h) => h.startsWith('impersonate-'))).toEqual([]);
  });

  it('derives service account groups unless groups are given', async () => {
    const sa = await run(admin, { 'Impersonate-User': 'system:serviceaccount:kube-system:default' });
    expect(sa.seen?.user).toMatchObject({
      name: 'system:serviceaccount:kube-system:default',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    });
    const anon = await run(admin, { 'Impersonate-User': 'system:anonymous' });
    expect(anon.seen?.user?.groups).toEqual(['system:unauthenticated']);
  });

  it('forbids others with upstream messages', async () => {
    const user = await run(alice, { 'Impersonate-User': 'bob' });
    expect(user.seen).toBeUndefined();
    expect(user.res.statusCode).toBe(403);
    expect(user.res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
      reason: 'Forbidden',
      details: { name: 'bob', kind: 'users' },
      code: 403,
    });
    const sa = await run(alice, { 'Impersonate-User': 'system:serviceaccount:ns1:builder' });
    expect((sa.res.json() as { message: string }).message).toBe(
      'serviceaccounts "builder" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ns1"',
    );
  });

  it('checks every part: a denied group or extra fails the request', async () => {
    const onlyUsers: Authorizer = { authorize: async (_u, a: AuthorizationAttributes) => ({ allowed: a.resource === 'users' }) };
    const group = await run(alice, { 'Impersonate-User': 'bob', 'Impersonate-Group': 'admins' }, onlyUsers);
    expect((group.res.json() as { message: string }).message).toBe(
      'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );
    const extra = await run(alice, { 'Impersonate-User': 'bob', 'Impersonate-Extra-Scopes': 'view' }, onlyUsers);
    expect(extra.res.json()).toMatchObject({
      message: 'userextras.authentication.k8s.io "view" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope',
      details: { name: 'view', group: 'authentication.k8s.io', kind: 'userextras' },
    });
  });

  it('rejects groups without a user as upstream (500)', async () => {
    const { res, seen } = await run(admin, { 'Impersonate-Group': 'dev' });
    expect(seen).toBeUndefined();
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('Internal Server Error: "/api/v1/namespaces/default/pods": requested [{Group  dev    }] without impersonating a user\n');
  });
});
