import { describe, expect, it } from 'vitest';
import { parseRequestInfo } from '../filters/request-info';
import type { UserInfo } from '../http/context';
import { evaluatePolicy, parseAuditPolicy } from './policy';

const policy = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
- level: None
  userGroups: ["system:nodes"]
  nonResourceURLs: ["/healthz*", "/version"]
- level: Metadata
  resources: [{group: "", resources: [secrets, configmaps/status]}]
- level: Request
  namespaces: [kube-system]
  omitStages: [ResponseStarted]
- level: RequestResponse
  resources: [{group: apps, resources: ["deployments/*"]}, {group: "", resources: ["*/log"]}]
- level: Request
  resources: [{group: "", resources: [configmaps], resourceNames: [special]}]
- level: Metadata
  verbs: [get]
  nonResourceURLs: ["*"]
- level: RequestResponse
  resources: [{group: rbac.authorization.k8s.io}]
  omitManagedFields: true
`);

const alice: UserInfo = { name: 'alice', groups: ['system:authenticated'] };
const proxy: UserInfo = { name: 'system:kube-proxy', groups: ['system:authenticated'] };
const node: UserInfo = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };

const table: Array<[string, UserInfo, string, string, string]> = [
  // [case, user, method, url, level]
  ['kube-proxy watch: None', proxy, 'GET', '/api/v1/endpoints?watch=true', 'None'],
  ['kube-proxy list: not the None rule', proxy, 'GET', '/api/v1/namespaces/default/secrets', 'Metadata'],
  ['node /healthz/etcd: prefix match', node, 'GET', '/healthz/etcd', 'None'],
  ['node /version exact', node, 'GET', '/version', 'None'],
  ['alice /version: Metadata via "*"', alice, 'GET', '/version', 'Metadata'],
  ['alice POST /version: no rule', alice, 'POST', '/version', 'None'],
  ['secrets at Metadata', alice, 'POST', '/api/v1/namespaces/a/secrets', 'Metadata'],
  ['configmaps/status exact subresource', alice, 'PUT', '/api/v1/namespaces/a/configmaps/c/status', 'Metadata'],
  ['kube-system namespace', alice, 'GET', '/api/v1/namespaces/kube-system/pods', 'Request'],
  ['deployments/* matches a subresource', alice, 'PUT', '/apis/apps/v1/namespaces/a/deployments/d/scale', 'RequestResponse'],
  ['deployments/* matches the resource', alice, 'GET', '/apis/apps/v1/namespaces/a/deployments', 'RequestResponse'],
  ['*/log', alice, 'GET', '/api/v1/namespaces/a/pods/p/log', 'RequestResponse'],
  ['pods are not */log', alice, 'GET', '/api/v1/namespaces/a/pods/p', 'None'],
  ['resourceNames match', alice, 'GET', '/api/v1/namespaces/a/configmaps/special', 'Request'],
  ['resourceNames mismatch', alice, 'GET', '/api/v1/namespaces/a/configmaps/other', 'None'],
  ['group with no resources = all of it', alice, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles/x', 'RequestResponse'],
  ['a resource rule never matches non-resource URLs', alice, 'GET', '/apis', 'Metadata'],
];

describe('audit policy rule matching (first match wins, default None)', () => {
  for (const [name, user, method, url, level] of table) {
    it(name, () => {
      const u = new URL(url, 'https://x');
      const info = parseRequestInfo(method, u.pathname, u.searchParams);
      expect(evaluatePolicy(policy, user, info).level).toBe(level);
    });
  }

  it('stages: policy omitStages plus the rule own; omitManagedFields from the rule, else the policy', () => {
    const info = parseRequestInfo('GET', '/api/v1/namespaces/kube-system/pods', new URLSearchParams());
    expect(evaluatePolicy(policy, alice, info)).toEqual({ level: 'Request', omitStages: ['RequestReceived', 'ResponseStarted'], omitManagedFields: false });
    const rbac = parseRequestInfo('GET', '/apis/rbac.authorization.k8s.io/v1/roles', new URLSearchParams());
    expect(evaluatePolicy(policy, alice, rbac).omitManagedFields).toBe(true);
  });

  it('rejects invalid policies as upstream', () => {
    expect(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n', 'p.yaml')).toThrow('loaded illegal policy with 0 rules from file p.yaml');
    expect(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Everything}]\n')).toThrow(
      'rules[0].level: Unsupported value: "Everything": supported values: "None", "Metadata", "Request", "RequestResponse"',
    );
    expect(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, resources: [{group: ""}], nonResourceURLs: ["/x"]}]\n')).toThrow(
      'rules cannot apply to both regular resources and non-resource URLs',
    );
    expect(() => parseAuditPolicy('apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n')).toThrow('no kind "Policy" is registered for version "audit.k8s.io/v1beta1"');
  });
});
