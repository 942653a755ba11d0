/**
 * An RBAC matrix end to end with real kubectl 1.32 against one replica on a real etcd started with
 * --authorization-mode=Node,RBAC and --token-auth-file. Subjects: two token-file users (bob, carol),
 * a client-certificate user (dave, O=qa, bound through his group), and a service account whose token
 * comes from `kubectl create token`; each bound to different Roles/ClusterRoles. Every cell of
 * users × verbs × resources × namespaces is checked twice: with `kubectl auth can-i` (yes/no, exit
 * 0/1) and with the real request (allowed → not 403; denied → upstream's exact 403 Status body).
 * Plus `kubectl auth whoami`, `kubectl auth can-i --list` and admin `--as`/`--as-group`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadCA } from '../../libs/pki/src/certificate-authority';
import { issueClientCert } from '../../libs/pki/src/issue';
import { writeKubeconfig } from '../../libs/pki/src/kubeconfig';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
let dir: string;
let caPem = '';

interface Subject {
  /** the user name the server sees */
  username: string;
  groups: string[];
  kubeconfig: string;
  /** raw-request credentials */
  token?: string;
  certPem?: string;
  keyPem?: string;
}
const subjects: Record<string, Subject> = {};

const admin = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const as = (s: string, ...args: string[]) => kubectl('1.32', subjects[s].kubeconfig, args);

function tokenKubeconfig(name: string, token: string): string {
  const kc = parseYaml(readFileSync(server.kubeconfig, 'utf8')) as Record<string, unknown> & { users: { name: string; user: Record<string, unknown> }[] };
  kc.users = kc.users.map((u) => ({ name: u.name, user: { token } }));
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, toYaml(kc));
  return path;
}

function raw(s: Subject, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) };
    if (s.token) headers.Authorization = `Bearer ${s.token}`;
    const req = request(server.url + path, { method, ca: caPem, cert: s.certPem, key: s.keyPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never true: ${what}`);
}

/** run `fn` over `items` with at most `n` at a time (kubectl processes are not free on a shared box) */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-rbac-matrix-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, 'bob-token,bob,uid-bob,dev\ncarol-token,carol,uid-carol,"ops,audit"\n');
  server = await startApiserver({ extraArgs: ['--authorization-mode=Node,RBAC', `--token-auth-file=${tokenFile}`] });
  caPem = readFileSync(join(server.certDir, 'ca.crt'), 'utf8');
  const ca = await loadCA(caPem, readFileSync(join(server.certDir, 'ca.key'), 'utf8'));
  const dave = await issueClientCert(ca, { cn: 'dave', orgs: ['qa'] });
  const daveKc = join(dir, 'dave.kubeconfig');
  await writeKubeconfig(daveKc, { server: server.url, caPem, certPem: dave.certPem, keyPem: dave.keyPem, user: 'dave' });
  subjects.bob = { username: 'bob', groups: ['dev', 'system:authenticated'], kubeconfig: tokenKubeconfig('bob', 'bob-token'), token: 'bob-token' };
  subjects.carol = { username: 'carol', groups: ['ops', 'audit', 'system:authenticated'], kubeconfig: tokenKubeconfig('carol', 'carol-token'), token: 'carol-token' };
  subjects.dave = { username: 'dave', groups: ['qa', 'system:authenticated'], kubeconfig: daveKc, certPem: dave.certPem, keyPem: dave.keyPem };

  const setup: string[][] = [
    ['create', 'namespace', 'x'],
    ['create', 'namespace', 'y'],
    // bob: read pods in x (Role + RoleBinding to a user)
    ['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'x'],
    ['create', 'rolebinding', 'bob-pods', '--role=pod-reader', '--user=bob', '-n', 'x'],
    // carol: list secrets everywhere (ClusterRoleBinding to a group), configmaps in y (RoleBinding to a ClusterRole)
    ['create', 'clusterrole', 'secret-lister', '--verb=list', '--resource=secrets'],
    ['create', 'clusterrolebinding', 'audit-secrets', '--clusterrole=secret-lister', '--group=audit'],
    ['create', 'clusterrole', 'cm-editor', '--verb=get,list,create,delete', '--resource=configmaps'],
    ['create', 'rolebinding', 'carol-cm', '--clusterrole=cm-editor', '--user=carol', '-n', 'y'],
    // dave (client cert, O=qa): deployments in y through his group
    ['create', 'clusterrole', 'deploy-manager', '--verb=*', '--resource=deployments.apps'],
    ['create', 'rolebinding', 'qa-deploys', '--clusterrole=deploy-manager', '--group=qa', '-n', 'y'],
    // robot (service account x/robot): configmaps get/list/create in x
    ['create', 'sa', 'robot', '-n', 'x'],
    ['create', 'role', 'cm-writer', '--verb=get,list,create', '--resource=configmaps', '-n', 'x'],
    ['create', 'rolebinding', 'robot-cm', '--role=cm-writer', '--serviceaccount=x:robot', '-n', 'x'],
  ];
  for (const args of setup) {
    const r = await admin(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  const t = await admin('create', 'token', 'robot', '-n', 'x', '--duration=1h');
  if (t.code !== 0) throw new Error(t.stderr);
  const robotToken = t.stdout.trim();
  subjects.robot = {
    username: 'system:serviceaccount:x:robot',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:x', 'system:authenticated'],
    kubeconfig: tokenKubeconfig('robot', robotToken),
    token: robotToken,
  };
  // the authorizer follows the bindings by watch: wait for the last ones
  await eventually(async () => (await raw(subjects.robot, 'GET', '/api/v1/namespaces/x/configmaps')).status === 200, 'robot binding');
  await eventually(async () => (await raw(subjects.dave, 'GET', '/apis/apps/v1/namespaces/y/deployments')).status === 200, 'qa binding');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Verb = 'get' | 'list' | 'create' | 'delete';
const VERBS: Verb[] = ['get', 'list', 'create', 'delete'];
const RESOURCES = [
  { name: 'pods', group: '', prefix: '/api/v1', kind: 'Pod', apiVersion: 'v1', body: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  { name: 'configmaps', group: '', prefix: '/api/v1', kind: 'ConfigMap', apiVersion: 'v1', body: { data: { k: 'v' } } },
  { name: 'secrets', group: '', prefix: '/api/v1', kind: 'Secret', apiVersion: 'v1', body: { stringData: { k: 'v' } } },
  {
    name: 'deployments',
    group: 'apps',
    prefix: '/apis/apps/v1',
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    body: { spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
  },
];
const NAMESPACES = ['x', 'y'];

/** The expected answer of every cell (everything not listed is denied). */
function allowed(user: string, verb: Verb, resource: string, ns: string): boolean {
  switch (user) {
    case 'bob':
      return resource === 'pods' && ns === 'x' && (verb === 'get' || verb === 'list');
    case 'carol':
      return (resource === 'secrets' && verb === 'list') || (resource === 'configmaps' && ns === 'y');
    case 'dave':
      return resource === 'deployments' && ns === 'y';
    case 'robot':
      return resource === 'configmaps' && ns === 'x' && verb !== 'delete';
    default:
      return false;
  }
}

interface Cell {
  user: string;
  verb: Verb;
  res: (typeof RESOURCES)[number];
  ns: string;
  allowed: boolean;
}
const cells: Cell[] = [];
for (const user of ['bob', 'carol', 'dave', 'robot'])
  for (const verb of VERBS) for (const res of RESOURCES) for (const ns of NAMESPACES) cells.push({ user, verb, res, ns, allowed: allowed(user, verb, res.name, ns) });

const resourceArg = (c: Cell) => (c.res.group ? `${c.res.name}.${c.res.group}` : c.res.name);

describe('RBAC matrix with kubectl 1.32', () => {
  it('has allowed and denied cells for every subject', () => {
    expect(cells).toHaveLength(128);
    for (const u of ['bob', 'carol', 'dave', 'robot']) {
      expect(cells.some((c) => c.user === u && c.allowed)).toBe(true);
      expect(cells.some((c) => c.user === u && !c.allowed)).toBe(true);
    }
  });

  it('reports each identity with kubectl auth whoami', async () => {
    for (const [name, s] of Object.entries(subjects)) {
      const r = await as(name, 'auth', 'whoami', '-o', 'json');
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const info = JSON.parse(r.stdout).status.userInfo as { username: string; groups: string[] };
      expect(info.username).toBe(s.username);
      expect(info.groups).toEqual(s.groups);
    }
  });

  it('answers kubectl auth can-i for every cell', async () => {
    const results = await pool(cells, 4, async (c) => {
      const r = await as(c.user, 'auth', 'can-i', c.verb, resourceArg(c), '-n', c.ns);
      return { c, r };
    });
    const wrong = results
      .filter(({ c, r }) => r.stdout.trim() !== (c.allowed ? 'yes' : 'no') || r.code !== (c.allowed ? 0 : 1))
      .map(({ c, r }) => `${c.user} ${c.verb} ${resourceArg(c)} -n ${c.ns}: got ${r.stdout.trim()} (${r.code}) ${r.stderr}`);
    expect(wrong).toEqual([]);
  }, 240_000);

  it('enforces every cell on real requests, with the upstream 403 body', async () => {
    const wrong: string[] = [];
    await pool(cells, 8, async (c) => {
      const s = subjects[c.user];
      const coll = `${c.res.prefix}/namespaces/${c.ns}/${c.res.name}`;
      const obj = `${coll}/matrix-missing`;
      let r: { status: number; body: string };
      if (c.verb === 'get') r = await raw(s, 'GET', obj);
      else if (c.verb === 'list') r = await raw(s, 'GET', coll);
      else if (c.verb === 'delete') r = await raw(s, 'DELETE', obj);
      else r = await raw(s, 'POST', `${coll}?dryRun=All`, JSON.stringify({ apiVersion: c.res.apiVersion, kind: c.res.kind, metadata: { name: `m-${c.user}` }, ...c.res.body }));
      const label = `${c.user} ${c.verb} ${c.res.name} in ${c.ns}`;
      if (c.allowed) {
        const expected = c.verb === 'list' ? 200 : c.verb === 'create' ? 201 : 404;
        if (r.status !== expected) wrong.push(`${label}: ${r.status} ${r.body.slice(0, 200)}`);
        return;
      }
      const named = c.verb === 'get' || c.verb === 'delete';
      const subject = named ? `${c.res.name}${c.res.group ? `.${c.res.group}` : ''} "matrix-missing"` : `${c.res.name}${c.res.group ? `.${c.res.group}` : ''}`;
      const message = `${subject} is forbidden: User "${s.username}" cannot ${c.verb} resource "${c.res.name}" in API group "${c.res.group}" in the namespace "${c.ns}"`;
      const want = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: 'Forbidden',
        details: { ...(named ? { name: 'matrix-missing' } : {}), ...(c.res.group ? { group: c.res.group } : {}), kind: c.res.name },
        code: 403,
      };
      let got: unknown;
      try {
        got = JSON.parse(r.body);
      } catch {
        got = r.body;
      }
      if (r.status !== 403 || JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${label}: ${r.status} ${r.body}\n  want ${JSON.stringify(want)}`);
    });
    expect(wrong).toEqual([]);
  }, 120_000);

  it('shows the upstream 403 text through kubectl', async () => {
    const r = await as('bob', 'get', 'pods', '-n', 'y');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "y"');
    const sa = await as('robot', 'delete', 'configmap', 'c1', '-n', 'x');
    expect(sa.stderr).toContain('Error from server (Forbidden): configmaps "c1" is forbidden: User "system:serviceaccount:x:robot" cannot delete resource "configmaps" in API group "" in the namespace "x"');
    const d = await as('dave', 'get', 'deployments', '-n', 'x');
    expect(d.stderr).toContain('Error from server (Forbidden): deployments.apps is forbidden: User "dave" cannot list resource "deployments" in API group "apps" in the namespace "x"');
  });

  it('lists each subject\'s rules with kubectl auth can-i --list', async () => {
    const bob = await as('bob', 'auth', 'can-i', '--list', '-n', 'x');
    expect(bob.code, bob.stderr).toBe(0);
    expect(bob.stdout).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(bob.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m);
    expect(bob.stdout).not.toMatch(/^configmaps\s/m);
    const bobY = await as('bob', 'auth', 'can-i', '--list', '-n', 'y');
    expect(bobY.stdout).not.toMatch(/^pods\s/m);
    const carol = await as('carol', 'auth', 'can-i', '--list', '-n', 'y');
    expect(carol.stdout).toMatch(/^configmaps\s+\[\]\s+\[\]\s+\[get list create delete\]/m);
    expect(carol.stdout).toMatch(/^secrets\s+\[\]\s+\[\]\s+\[list\]/m);
    const dave = await as('dave', 'auth', 'can-i', '--list', '-n', 'y');
    expect(dave.stdout).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[\*\]/m);
    const robot = await as('robot', 'auth', 'can-i', '--list', '-n', 'x');
    expect(robot.stdout).toMatch(/^configmaps\s+\[\]\s+\[\]\s+\[get list create\]/m);
    expect(robot.stdout).toMatch(/^selfsubjectreviews\.authentication\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m);
  });

  it('impersonates with --as / --as-group (admin) and the rows follow the impersonated identity', async () => {
    const sample = cells.filter((_, i) => i % 5 === 0);
    const results = await pool(sample, 4, async (c) => {
      const s = subjects[c.user];
      const groups = s.groups.filter((g) => g !== 'system:authenticated').map((g) => `--as-group=${g}`);
      return { c, r: await admin('auth', 'can-i', c.verb, resourceArg(c), '-n', c.ns, `--as=${s.username}`, ...groups) };
    });
    const wrong = results.filter(({ c, r }) => r.stdout.trim() !== (c.allowed ? 'yes' : 'no')).map(({ c, r }) => `${c.user} ${c.verb} ${resourceArg(c)} ${c.ns}: ${r.stdout} ${r.stderr}`);
    expect(wrong).toEqual([]);
    // a made-up user in dave's group gets dave's group rights, not more
    expect((await admin('auth', 'can-i', 'create', 'deployments.apps', '-n', 'y', '--as=zed', '--as-group=qa')).stdout.trim()).toBe('yes');
    expect((await admin('auth', 'can-i', 'create', 'deployments.apps', '-n', 'x', '--as=zed', '--as-group=qa')).stdout.trim()).toBe('no');
    expect((await admin('auth', 'can-i', 'create', 'deployments.apps', '-n', 'y', '--as=zed')).stdout.trim()).toBe('no');
    const who = await admin('auth', 'whoami', '--as=zed', '--as-group=qa', '-o', 'json');
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout).status.userInfo).toEqual({ username: 'zed', groups: ['qa', 'system:authenticated'] });
    // non-admins may not impersonate
    const imp = await as('carol', 'get', 'configmaps', '-n', 'y', '--as=bob');
    expect(imp.code).toBe(1);
    expect(imp.stderr).toContain('users "bob" is forbidden: User "carol" cannot impersonate resource "users" in API group "" at the cluster scope');
    const impG = await as('dave', 'get', 'pods', '-n', 'x', '--as=dave', '--as-group=dev');
    expect(impG.stderr).toContain('is forbidden: User "dave" cannot impersonate resource');
  }, 120_000);
});
