import { describe, expect, it } from 'vitest';
import { parseRequestInfo } from '../filters/request-info';
import { compactRules, compactString, covers, ruleAllows, subjectAppliesTo, type PolicyRule } from './rules';

const info = (method: string, path: string) => parseRequestInfo(method, path, new URLSearchParams());

describe('ruleAllows', () => {
  const allows = (rule: PolicyRule, method: string, path: string) => ruleAllows(info(method, path), rule);

  it('matches verbs, groups and resources with wildcards', () => {
    const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(allows(r, 'GET', '/api/v1/namespaces/x/pods')).toBe(true);
    expect(allows(r, 'GET', '/api/v1/namespaces/x/pods/p')).toBe(true);
    expect(allows(r, 'DELETE', '/api/v1/namespaces/x/pods/p')).toBe(false);
    expect(allows(r, 'GET', '/apis/apps/v1/namespaces/x/deployments')).toBe(false);
    expect(allows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, 'DELETE', '/apis/apps/v1/namespaces/x/deployments/d')).toBe(true);
  });

  it('treats subresources as resource/subresource and */subresource', () => {
    const pods: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    expect(allows(pods, 'GET', '/api/v1/namespaces/x/pods/p/log')).toBe(false);
    expect(allows({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, 'GET', '/api/v1/namespaces/x/pods/p/log')).toBe(true);
    expect(allows({ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, 'GET', '/api/v1/namespaces/x/pods/p/log')).toBe(true);
    expect(allows({ verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, 'GET', '/api/v1/namespaces/x/pods/p')).toBe(false);
    expect(allows({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, 'PUT', '/apis/apps/v1/namespaces/x/deployments/d/scale')).toBe(true);
  });

  it('restricts by resourceNames', () => {
    const r: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] };
    expect(allows(r, 'GET', '/api/v1/namespaces/x/configmaps/a')).toBe(true);
    expect(allows(r, 'GET', '/api/v1/namespaces/x/configmaps/b')).toBe(false);
    expect(allows(r, 'GET', '/api/v1/namespaces/x/configmaps')).toBe(false);
  });

  it('matches nonResourceURLs exactly or by a trailing *', () => {
    const r: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*', '/logs**'] };
    expect(allows(r, 'GET', '/healthz')).toBe(true);
    expect(allows(r, 'GET', '/healthz/etcd')).toBe(false);
    expect(allows(r, 'GET', '/apis/apps')).toBe(true);
    expect(allows(r, 'GET', '/apis')).toBe(false);
    expect(allows(r, 'GET', '/logs/x')).toBe(true);
    expect(allows(r, 'POST', '/healthz')).toBe(false);
    expect(allows({ verbs: ['*'], nonResourceURLs: ['*'] }, 'GET', '/anything')).toBe(true);
    // resource rules never match non-resource requests
    expect(allows({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, 'GET', '/healthz')).toBe(false);
  });
});

describe('subjectAppliesTo', () => {
  const bob = { name: 'bob', groups: ['dev', 'system:authenticated'] };
  const sa = { name: 'system:serviceaccount:x:builder', groups: ['system:serviceaccounts'] };
  it('matches users, groups and service accounts', () => {
    expect(subjectAppliesTo(bob, { kind: 'User', name: 'bob' }, 'x')).toBe(true);
    expect(subjectAppliesTo(bob, { kind: 'User', name: 'alice' }, 'x')).toBe(false);
    expect(subjectAppliesTo(bob, { kind: 'Group', name: 'dev' }, 'x')).toBe(true);
    expect(subjectAppliesTo(sa, { kind: 'ServiceAccount', name: 'builder' }, 'x')).toBe(true);
    expect(subjectAppliesTo(sa, { kind: 'ServiceAccount', name: 'builder' }, '')).toBe(false);
    expect(subjectAppliesTo(sa, { kind: 'ServiceAccount', name: 'builder', namespace: 'y' }, 'x')).toBe(false);
  });
});

describe('covers (escalation)', () => {
  it('finds the missing sub-rules', () => {
    const owner: PolicyRule[] = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/log'] }];
    expect(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/log'] }]).covered).toBe(true);
    const { covered, missing } = covers(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(covered).toBe(false);
    expect(missing).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }]);
    expect(covers([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['d'] }]).covered).toBe(true);
    // a named grant does not cover an unnamed one
    expect(covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]).covered).toBe(false);
    expect(covers([{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]).covered).toBe(true);
  });

  it('compacts and prints missing rules as upstream', () => {
    const missing = covers([], [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]).missing;
    const compact = compactRules(missing);
    expect(compact.map(compactString)).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["get" "delete"]}']);
    expect(compactString({ verbs: ['get'], nonResourceURLs: ['/x'] })).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});
