/**
 * End to end RBAC with real kubectl 1.32 against one replica on a real etcd started with
 * --authorization-mode=Node,RBAC: users from client certificates (CN = user, O = groups, signed by
 * the server's CA) bound to Roles created with `kubectl create role/rolebinding`, `kubectl auth
 * can-i` (allowed and denied cells, --list), admin impersonation (--as/--as-group), the exact 403
 * body, aggregation of the default `view` role, escalation prevention and the bootstrap policy.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCA } from '../../libs/pki/src/certificate-authority';
import { issueClientCert } from '../../libs/pki/src/issue';
import { writeKubeconfig } from '../../libs/pki/src/kubeconfig';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const users: Record<string, { kubeconfig: string; certPem: string; keyPem: string }> = {};
let caPem = '';

beforeAll(async () => {
  server = await startApiserver({ extraArgs: ['--authorization-mode=Node,RBAC'] });
  caPem = readFileSync(join(server.certDir, 'ca.crt'), 'utf8');
  const ca = await loadCA(caPem, readFileSync(join(server.certDir, 'ca.key'), 'utf8'));
  for (const [name, cn, orgs] of [['bob', 'bob', ['dev']], ['alice', 'alice', []], ['n1', 'system:node:n1', ['system:nodes']], ['n2', 'system:node:n2', ['system:nodes']]] as const) {
    const c = await issueClientCert(ca, { cn, orgs: [...orgs] });
    const kubeconfig = join(server.certDir, `${name}.kubeconfig`);
    await writeKubeconfig(kubeconfig, { server: server.url, caPem, certPem: c.certPem, keyPem: c.keyPem, user: name });
    users[name] = { kubeconfig, certPem: c.certPem, keyPem: c.keyPem };
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const admin = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const as = (user: string, ...args: string[]) => kubectl('1.32', users[user].kubeconfig, args);

function rawAs(user: string, method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { method, ca: caPem, cert: users[user].certPem, key: users[user].keyPem, headers: { Accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('RBAC with kubectl 1.32', () => {
  it('reports the bootstrap hook ready and creates the default policy', async () => {
    const r = await server.request('GET', '/readyz?verbose');
    expect(r.body).toContain('[+]poststarthook/rbac/bootstrap-roles ok');
    const crs = await admin('get', 'clusterroles');
    expect(crs.code, crs.stderr).toBe(0);
    expect(crs.stdout).toMatch(/^NAME\s+CREATED AT/);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer', 'system:node']) {
      expect(crs.stdout).toMatch(new RegExp(`^${n}\\s`, 'm'));
    }
    const crb = await admin('get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide');
    expect(crb.code, crb.stderr).toBe(0);
    expect(crb.stdout).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS/);
    expect(crb.stdout).toMatch(/cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/);
    const describe = await admin('describe', 'clusterrole', 'system:basic-user');
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const nsRole = await admin('get', 'role', 'extension-apiserver-authentication-reader', '-n', 'kube-system');
    expect(nsRole.code, nsRole.stderr).toBe(0);
    const label = await admin('get', 'clusterrole', 'view', '-o', 'jsonpath={.metadata.labels.kubernetes\\.io/bootstrapping} {.metadata.annotations.rbac\\.authorization\\.kubernetes\\.io/autoupdate}');
    expect(label.stdout).toBe('rbac-defaults true');
  });

  it('aggregates view from system:aggregate-to-view', async () => {
    let rules = '';
    for (let i = 0; i < 50 && !rules.includes('deployments'); i++) {
      rules = (await admin('get', 'clusterrole', 'view', '-o', 'jsonpath={.rules}')).stdout;
      if (!rules.includes('deployments')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rules).toContain('deployments');
    const admins = await admin('get', 'clusterrole', 'admin', '-o', 'jsonpath={.rules}');
    expect(admins.stdout).toContain('rolebindings');
  });

  it('binds bob to a Role made with kubectl create role/rolebinding', async () => {
    expect((await admin('create', 'namespace', 'x')).code).toBe(0);
    const role = await admin('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'x');
    expect(role.code, role.stderr).toBe(0);
    expect(role.stdout).toContain('role.rbac.authorization.k8s.io/pod-reader created');
    const rb = await admin('create', 'rolebinding', 'bob-reads', '--role=pod-reader', '--user=bob', '-n', 'x');
    expect(rb.code, rb.stderr).toBe(0);
    const list = await admin('get', 'rolebinding', '-n', 'x', '-o', 'wide');
    expect(list.stdout).toMatch(/bob-reads\s+Role\/pod-reader\s+\S+\s+bob/);
  });

  it('answers kubectl auth can-i for each cell', async () => {
    const cells: [string, string[], boolean][] = [
      ['bob', ['list', 'pods', '-n', 'x'], true],
      ['bob', ['get', 'pods/p1', '-n', 'x'], true],
      ['bob', ['watch', 'pods', '-n', 'x'], true],
      ['bob', ['delete', 'pods', '-n', 'x'], false],
      ['bob', ['get', 'pods', '--subresource=log', '-n', 'x'], false],
      ['bob', ['get', 'pods/p1', '--subresource=log', '-n', 'x'], false],
      ['bob', ['list', 'pods', '-n', 'default'], false],
      ['bob', ['list', 'secrets', '-n', 'x'], false],
      ['alice', ['list', 'pods', '-n', 'x'], false],
    ];
    for (const [user, args, allowed] of cells) {
      // eventually: the authorizer's informers follow the bindings by watch
      let r = await as(user, 'auth', 'can-i', ...args);
      for (let i = 0; i < 30 && (r.stdout.trim() === 'yes') !== allowed; i++) {
        await new Promise((res) => setTimeout(res, 100));
        r = await as(user, 'auth', 'can-i', ...args);
      }
      expect(r.stdout.trim(), `${user} ${args.join(' ')}: ${r.stderr}`).toBe(allowed ? 'yes' : 'no');
      expect(r.code).toBe(allowed ? 0 : 1);
    }
  });

  it('lets bob list pods in x and forbids elsewhere with the upstream 403 body', async () => {
    const ok = await as('bob', 'get', 'pods', '-n', 'x');
    expect(ok.code, ok.stderr).toBe(0);
    const denied = await as('bob', 'get', 'pods', '-n', 'default');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"');
    const raw = await rawAs('bob', 'GET', '/api/v1/namespaces/default/pods');
    expect(raw.status).toBe(403);
    expect(JSON.parse(raw.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403,
    });
    const discovery = await rawAs('alice', 'GET', '/api');
    expect(discovery.status).toBe(200);
  });

  it('authorizes /metrics by RBAC (nonResourceURL, the system:monitoring role)', async () => {
    const denied = await rawAs('alice', 'GET', '/metrics');
    expect(denied.status).toBe(403);
    expect((JSON.parse(denied.body) as { message: string }).message).toBe('forbidden: User "alice" cannot get path "/metrics"');
    const bind = await admin('create', 'clusterrolebinding', 'alice-monitoring', '--clusterrole=system:monitoring', '--user=alice');
    expect(bind.code, bind.stderr).toBe(0);
    let ok = { status: 0, body: '' };
    for (let i = 0; i < 50 && ok.status !== 200; i++) {
      ok = await rawAs('alice', 'GET', '/metrics');
      if (ok.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('apiserver_request_total');
    const del = await admin('delete', 'clusterrolebinding', 'alice-monitoring');
    expect(del.code, del.stderr).toBe(0);
  });

  it('answers SubjectAccessReview and LocalSubjectAccessReview', async () => {
    const sar = await server.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'bob', resourceAttributes: { namespace: 'x', verb: 'list', resource: 'pods' } } }),
    });
    expect(sar.status).toBe(201);
    expect(sar.json().status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "bob-reads/x" of Role "pod-reader" to User "bob"' });
    const denied = await server.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: JSON.stringify({ spec: { user: 'bob', resourceAttributes: { namespace: 'x', verb: 'delete', resource: 'pods' } } }),
    });
    expect(denied.json().status).toEqual({ allowed: false });
    const invalid = await server.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: JSON.stringify({ spec: { user: 'bob' } }) });
    expect(invalid.status).toBe(422);
    expect(invalid.json().message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const local = await server.request('POST', '/apis/authorization.k8s.io/v1/namespaces/x/localsubjectaccessreviews', {
      body: JSON.stringify({ spec: { user: 'bob', resourceAttributes: { namespace: 'y', verb: 'list', resource: 'pods' } } }),
    });
    expect(local.status).toBe(400);
    expect(local.json().message).toBe('spec.resourceAttributes.namespace must match namespace: x');
  });

  it('lists bob\'s rules with kubectl auth can-i --list', async () => {
    const r = await as('bob', 'auth', 'can-i', '--list', '-n', 'x');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(r.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
    expect(r.stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
    expect(r.stdout).toMatch(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]/m);
  });

  it('impersonates with --as / --as-group', async () => {
    expect((await admin('auth', 'can-i', 'list', 'pods', '-n', 'x', '--as=bob')).stdout.trim()).toBe('yes');
    expect((await admin('auth', 'can-i', 'list', 'pods', '-n', 'x', '--as=alice')).stdout.trim()).toBe('no');
    const crb = await admin('create', 'clusterrolebinding', 'devs-view', '--clusterrole=view', '--group=devs');
    expect(crb.code, crb.stderr).toBe(0);
    let r = await admin('auth', 'can-i', 'list', 'deployments.apps', '-n', 'x', '--as=alice', '--as-group=devs');
    for (let i = 0; i < 30 && r.stdout.trim() !== 'yes'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await admin('auth', 'can-i', 'list', 'deployments.apps', '-n', 'x', '--as=alice', '--as-group=devs');
    }
    expect(r.stdout.trim()).toBe('yes');
    expect((await admin('auth', 'can-i', 'create', 'deployments.apps', '-n', 'x', '--as=alice', '--as-group=devs')).stdout.trim()).toBe('no');
    // a plain user may not impersonate
    const imp = await as('bob', 'get', 'pods', '-n', 'x', '--as=alice');
    expect(imp.stderr).toContain('users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('honours resourceNames, service-account subjects and clusterrole aggregation rules', async () => {
    expect((await admin('create', 'role', 'cm-a', '--verb=get', '--resource=configmaps', '--resource-name=a', '-n', 'x')).code).toBe(0);
    expect((await admin('create', 'rolebinding', 'builder-cm', '--role=cm-a', '--serviceaccount=x:builder', '-n', 'x')).code).toBe(0);
    const sa = ['--as=system:serviceaccount:x:builder'];
    let r = await admin('auth', 'can-i', 'get', 'configmaps/a', '-n', 'x', ...sa);
    for (let i = 0; i < 30 && r.stdout.trim() !== 'yes'; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await admin('auth', 'can-i', 'get', 'configmaps/a', '-n', 'x', ...sa);
    }
    expect(r.stdout.trim()).toBe('yes');
    expect((await admin('auth', 'can-i', 'get', 'configmaps/b', '-n', 'x', ...sa)).stdout.trim()).toBe('no');
    expect((await admin('auth', 'can-i', 'list', 'configmaps', '-n', 'x', ...sa)).stdout.trim()).toBe('no');

    const agg = await admin('create', 'clusterrole', 'monitoring', '--aggregation-rule=example.com/aggregate-to-monitoring=true');
    expect(agg.code, agg.stderr).toBe(0);
    const part = await admin('create', 'clusterrole', 'monitoring-endpoints', '--verb=get,list', '--resource=endpoints');
    expect(part.code, part.stderr).toBe(0);
    expect((await admin('label', 'clusterrole', 'monitoring-endpoints', 'example.com/aggregate-to-monitoring=true')).code).toBe(0);
    let rules = '';
    for (let i = 0; i < 50 && !rules.includes('endpoints'); i++) {
      rules = (await admin('get', 'clusterrole', 'monitoring', '-o', 'jsonpath={.rules}')).stdout;
      if (!rules.includes('endpoints')) await new Promise((res) => setTimeout(res, 100));
    }
    expect(JSON.parse(rules)).toEqual([{ apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'list'] }]);
  });

  it('prevents privilege escalation through roles and bindings', async () => {
    expect((await admin('create', 'role', 'role-maker', '--verb=create,get', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io,pods', '-n', 'x')).code).toBe(0);
    expect((await admin('create', 'rolebinding', 'carol-makes', '--role=role-maker', '--user=carol', '-n', 'x')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    const esc = await admin('create', 'role', 'deleter', '--verb=delete', '--resource=pods', '-n', 'x', '--as=carol');
    expect(esc.code).toBe(1);
    expect(esc.stderr).toContain(
      'roles.rbac.authorization.k8s.io "deleter" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
    );
    const held = await admin('create', 'role', 'getter', '--verb=get', '--resource=pods', '-n', 'x', '--as=carol');
    expect(held.code, held.stderr).toBe(0);
    const bind = await admin('create', 'rolebinding', 'dave-admin', '--clusterrole=admin', '--user=dave', '-n', 'x', '--as=carol');
    expect(bind.code).toBe(1);
    expect(bind.stderr).toContain('rolebindings.rbac.authorization.k8s.io "dave-admin" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    const okBind = await admin('create', 'rolebinding', 'dave-get', '--role=getter', '--user=dave', '-n', 'x', '--as=carol');
    expect(okBind.code, okBind.stderr).toBe(0);
  });

  it('keeps roleRef immutable and validates subjects', async () => {
    const r = await admin('patch', 'rolebinding', 'bob-reads', '-n', 'x', '--type=merge', '-p', '{"roleRef":{"name":"other"}}');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('roleRef: Invalid value');
    expect(r.stderr).toContain('cannot change roleRef');
  });

  it('lets a kubelet read only what pods bound to its node reference (Node authorizer)', async () => {
    const pod = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'x' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx', envFrom: [{ secretRef: { name: 'db' } }] }] },
    });
    expect((await kubectl('1.32', server.kubeconfig, ['apply', '-f', '-'], pod)).code).toBe(0);
    for (const s of ['db', 'other']) expect((await admin('create', 'secret', 'generic', s, '-n', 'x', '--from-literal=k=v')).code).toBe(0);
    let r = await as('n1', 'get', 'secret', 'db', '-n', 'x');
    for (let i = 0; i < 30 && r.code !== 0; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await as('n1', 'get', 'secret', 'db', '-n', 'x');
    }
    expect(r.code, r.stderr).toBe(0);
    const other = await as('n1', 'get', 'secret', 'other', '-n', 'x');
    expect(other.stderr).toContain(`secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "x": no relationship found between node 'n1' and this object`);
    const n2 = await as('n2', 'get', 'secret', 'db', '-n', 'x');
    expect(n2.stderr).toContain(`no relationship found between node 'n2' and this object`);
    const pods = await as('n1', 'get', 'pods', '-n', 'x');
    expect(pods.code, pods.stderr).toBe(0);
  });
});
