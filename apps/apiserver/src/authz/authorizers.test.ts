import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';
import { parseRequestInfo } from '../filters/request-info';
import { aggregatedRules } from './aggregation';
import { reconcileBinding, reconcileRole } from './bootstrap';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy';
import { confirmNoEscalation } from './escalation';
import { Informer } from './informer';
import { NodeAuthorizer } from './node-authorizer';
import { RbacAuthorizer } from './rbac-authorizer';
import { alwaysDenyAuthorizer, privilegedGroupsAuthorizer, unionAuthorizer, validateAuthorizationModes } from './union';

const noStore = () => ({}) as Store;
function informer(objs: KObject[]): Informer {
  const i = new Informer(noStore, 'test');
  for (const o of objs) i.items.set(Informer.key(o), o);
  return i;
}
const obj = (kind: string, name: string, namespace: string | undefined, rest: Record<string, unknown>): KObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...rest,
});
const info = (method: string, path: string) => parseRequestInfo(method, path, new URLSearchParams());

function rbac(): RbacAuthorizer {
  return new RbacAuthorizer({
    roles: informer([obj('Role', 'pod-reader', 'x', { rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] })]),
    clusterRoles: informer(bootstrapClusterRoles()),
    roleBindings: informer([
      obj('RoleBinding', 'bob-reads', 'x', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'User', name: 'bob' }] }),
      obj('RoleBinding', 'broken', 'x', { roleRef: { kind: 'Role', name: 'missing' }, subjects: [{ kind: 'Group', name: 'dev' }] }),
      obj('RoleBinding', 'sa', 'x', { roleRef: { kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'builder' }] }),
    ]),
    clusterRoleBindings: informer(bootstrapClusterRoleBindings()),
  });
}

describe('RbacAuthorizer', () => {
  const bob = { name: 'bob', groups: ['system:authenticated'] };
  it('allows through role bindings with upstream reasons', async () => {
    const a = rbac();
    expect(await a.authorize(bob, info('GET', '/api/v1/namespaces/x/pods'))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "bob-reads/x" of Role "pod-reader" to User "bob"',
    });
    expect((await a.authorize(bob, info('GET', '/api/v1/namespaces/y/pods'))).allowed).toBe(false);
    expect((await a.authorize(bob, info('DELETE', '/api/v1/namespaces/x/pods/p'))).allowed).toBe(false);
    expect(await a.authorize(bob, info('GET', '/apis'))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"',
    });
    const sa = { name: 'system:serviceaccount:x:builder', groups: ['system:serviceaccounts'] };
    expect((await a.authorize(sa, info('GET', '/api/v1/namespaces/x/pods'))).allowed).toBe(true);
  });

  it('decides from memory quickly (no storage reads)', async () => {
    const a = rbac();
    const attrs = info('GET', '/api/v1/namespaces/x/pods');
    const denied = info('DELETE', '/apis/apps/v1/namespaces/x/deployments/d');
    const start = performance.now();
    for (let i = 0; i < 20_000; i++) {
      a.authorizeSync(bob, attrs);
      a.authorizeSync(bob, denied);
    }
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('reports resolution errors in the NoOpinion reason', async () => {
    const d = await rbac().authorize({ name: 'carol', groups: ['dev'] }, info('GET', '/api/v1/namespaces/x/pods'));
    expect(d).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found' });
  });

  it('lets anonymous users read the public info paths only', async () => {
    const anon = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    expect((await rbac().authorize(anon, info('GET', '/healthz'))).allowed).toBe(true);
    expect((await rbac().authorize(anon, info('GET', '/api'))).allowed).toBe(false);
  });

  it('refuses grants the user does not hold', () => {
    const msg = confirmNoEscalation(rbac(), bob, 'x', [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(msg).toBe('user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}');
    expect(confirmNoEscalation(rbac(), bob, 'x', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toBeUndefined();
  });
});

describe('union', () => {
  it('stops at the first decision, joins no-opinion reasons', async () => {
    const u = unionAuthorizer([privilegedGroupsAuthorizer('system:masters'), alwaysDenyAuthorizer]);
    expect((await u.authorize({ name: 'a', groups: ['system:masters'] }, info('GET', '/x'))).allowed).toBe(true);
    expect(await u.authorize({ name: 'b', groups: [] }, info('GET', '/x'))).toEqual({ allowed: false, reason: 'Everything is forbidden.' });
    expect(validateAuthorizationModes(['RBAC', 'Node'])).toBeUndefined();
    expect(validateAuthorizationModes(['Foo'])).toBe('authorization-mode "Foo" is not a valid mode');
    expect(validateAuthorizationModes(['RBAC', 'RBAC'])).toBe('authorization-mode "RBAC" has mode specified more than once');
  });
});

describe('aggregation and bootstrap reconciliation', () => {
  it('fills aggregated roles from matching roles', () => {
    const all = bootstrapClusterRoles();
    const view = all.find((r) => r.metadata.name === 'view')!;
    const edit = all.find((r) => r.metadata.name === 'edit')!;
    expect(JSON.stringify(aggregatedRules(view, all))).toContain('deployments');
    const editRules = aggregatedRules(edit, all);
    expect(JSON.stringify(editRules)).toContain('pods/exec');
  });

  it('adds missing rules, labels and subjects; leaves autoupdate=false alone', () => {
    const expected = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:discovery')!;
    const existing: KObject = { ...expected, metadata: { name: 'system:discovery', resourceVersion: '5' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }] };
    const next = reconcileRole(existing, expected)!;
    expect(next.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    expect((next.rules as unknown[]).length).toBeGreaterThan(1);
    expect(reconcileRole(next, expected)).toBeNull();
    expect(reconcileRole({ ...existing, metadata: { ...existing.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } }, expected)).toBeNull();
    const b = bootstrapClusterRoleBindings().find((r) => r.metadata.name === 'system:public-info-viewer')!;
    const r = reconcileBinding({ ...b, subjects: [] }, b);
    expect((r.update!.subjects as unknown[]).length).toBe(2);
    expect(reconcileBinding({ ...b, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' } }, b).recreate).toBe(true);
  });
});

describe('NodeAuthorizer', () => {
  const pod: KObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'x' },
    spec: { nodeName: 'n1', volumes: [{ name: 'v', secret: { secretName: 's1' } }], containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cm1' } }] }] },
  };
  const pods = new Informer(noStore, 'pods');
  const node = new NodeAuthorizer(pods);
  pods.items.set('x/p', pod);
  (pods as unknown as { listeners: ((t: string, o: KObject) => void)[] }).listeners.forEach((l) => l('ADDED', pod));
  const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const n2 = { name: 'system:node:n2', groups: ['system:nodes', 'system:authenticated'] };

  it('allows objects referenced by pods bound to the node only', async () => {
    expect((await node.authorize(n1, info('GET', '/api/v1/namespaces/x/secrets/s1'))).allowed).toBe(true);
    expect((await node.authorize(n1, info('GET', '/api/v1/namespaces/x/configmaps/cm1'))).allowed).toBe(true);
    expect(await node.authorize(n2, info('GET', '/api/v1/namespaces/x/secrets/s1'))).toEqual({ allowed: false, reason: "no relationship found between node 'n2' and this object" });
    expect((await node.authorize(n1, info('GET', '/api/v1/namespaces/x/secrets/other'))).allowed).toBe(false);
    expect((await node.authorize(n1, info('PUT', '/api/v1/nodes/n1/status'))).allowed).toBe(true);
    expect((await node.authorize(n1, info('POST', '/api/v1/namespaces/x/events'))).allowed).toBe(true);
    expect((await node.authorize(n1, info('DELETE', '/api/v1/namespaces/x/secrets/s1'))).allowed).toBe(false);
    expect(await node.authorize({ name: 'bob', groups: [] }, info('GET', '/api/v1/namespaces/x/secrets/s1'))).toEqual({ allowed: false });
  });
});
