import { describe, expect, it } from 'vitest';
import { matchingVersion, MatchRequest, namespaceSelectorMatches, objectSelectorMatches, resourceMatches, ruleMatches, rulesMatch, scopeMatches } from './matching';

const req = (o: Partial<MatchRequest> = {}): MatchRequest => ({
  operation: 'CREATE',
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  subresource: '',
  namespaced: true,
  namespace: 'ns',
  name: 'd',
  ...o,
});

describe('webhook rule matching', () => {
  it('matches resources, subresources and wildcards as upstream', () => {
    expect(resourceMatches(['deployments'], 'deployments', '')).toBe(true);
    expect(resourceMatches(['deployments'], 'deployments', 'scale')).toBe(false);
    expect(resourceMatches(['*'], 'pods', '')).toBe(true);
    expect(resourceMatches(['*'], 'pods', 'status')).toBe(false);
    expect(resourceMatches(['*/*'], 'pods', 'status')).toBe(true);
    expect(resourceMatches(['pods/*'], 'pods', 'exec')).toBe(true);
    expect(resourceMatches(['*/status'], 'pods', 'status')).toBe(true);
    expect(resourceMatches(['*/status'], 'pods', '')).toBe(false);
  });

  it('checks operations, groups, versions and scope', () => {
    const rule = { operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] };
    expect(ruleMatches(rule, req())).toBe(true);
    expect(ruleMatches(rule, req({ operation: 'UPDATE' }))).toBe(false);
    expect(ruleMatches({ ...rule, operations: ['*'] }, req({ operation: 'DELETE' }))).toBe(true);
    expect(ruleMatches(rule, req({ group: '' }))).toBe(false);
    expect(ruleMatches({ ...rule, apiVersions: ['v1beta1'] }, req())).toBe(false);
    expect(scopeMatches('Cluster', true)).toBe(false);
    expect(scopeMatches('Namespaced', true)).toBe(true);
    expect(scopeMatches(undefined, false)).toBe(true);
  });

  it('matchPolicy Equivalent accepts another served version, Exact does not', () => {
    const rules = [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1beta2'], resources: ['deployments'] }];
    expect(rulesMatch(rules, req(), 'Equivalent', () => ['v1', 'v1beta2'])).toBe(true);
    expect(rulesMatch(rules, req(), 'Exact', () => ['v1', 'v1beta2'])).toBe(false);
  });

  it('namespaceSelector uses the namespace labels; the Namespace itself uses its own', () => {
    const sel = { matchLabels: { team: 'a' } };
    const labels = (ns: string): Record<string, string> => (ns === 'ns' ? { team: 'a' } : {});
    expect(namespaceSelectorMatches(sel, req(), labels)).toBe(true);
    expect(namespaceSelectorMatches(sel, req({ namespace: 'other' }), labels)).toBe(false);
    expect(namespaceSelectorMatches(sel, req({ namespaced: false, namespace: '', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' }), labels)).toBe(true);
    const nsObj = { metadata: { name: 'x', labels: { team: 'a' } } };
    expect(namespaceSelectorMatches(sel, req({ namespaced: false, namespace: '', group: '', resource: 'namespaces', object: nsObj }), labels)).toBe(true);
    expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['a'] }] }, req(), labels)).toBe(false);
  });

  it('objectSelector matches the new or the old object', () => {
    const sel = { matchLabels: { app: 'x' } };
    expect(objectSelectorMatches(sel, req({ object: { metadata: { labels: { app: 'x' } } } }))).toBe(true);
    expect(objectSelectorMatches(sel, req({ object: { metadata: {} }, oldObject: { metadata: { labels: { app: 'x' } } } }))).toBe(true);
    expect(objectSelectorMatches(sel, req({ object: { metadata: { labels: { app: 'y' } } } }))).toBe(false);
    expect(objectSelectorMatches(undefined, req())).toBe(true);
  });

  it('matchingVersion: the request version first, else an equivalent one with matchPolicy Equivalent', () => {
    const rules = [{ operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v1'], resources: ['horizontalpodautoscalers'] }];
    const r = req({ group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' });
    expect(matchingVersion(rules, r, 'Equivalent', () => ['v2', 'v1'])).toBe('v1');
    expect(matchingVersion(rules, r, undefined, () => ['v2', 'v1'])).toBe('v1');
    expect(matchingVersion(rules, r, 'Exact', () => ['v2', 'v1'])).toBeUndefined();
    expect(matchingVersion([{ ...rules[0], apiVersions: ['*'] }], r, 'Equivalent', () => ['v1', 'v2'])).toBe('v2');
  });
});
