/**
 * A bounded fuzz test: at least 10,000 malformed or hostile requests, generated from a fixed seed,
 * against one replica on a real etcd with --authorization-mode=Node,RBAC and --token-auth-file:
 * bad, forged and foreign credentials, huge headers, path tricks (`..`, `%2e%2e`, `//`, encoded
 * slashes, proxy subpaths), bad JSON/YAML/protobuf bodies, deep nesting, bad patches of every patch
 * type, huge label selectors, invalid resourceVersions and continue tokens, wrong content types.
 * Several users with limited RBAC rights (ua: namespace a, ub: namespace b, uc: read configmaps in a).
 *
 * Asserts: no 5xx (503/504 tolerated), the server process never dies (same pid, /livez ok at the
 * end), every non-2xx answer is a Status JSON whose code is the HTTP status (or one of upstream's
 * plain-text cases: 429 max-in-flight, 404 page not found, 431 from the HTTP parser, HEAD without a
 * body), and no data crosses namespaces: every 2xx body a user receives is checked for the other
 * namespace's markers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, loadCA } from '../../libs/pki/src/certificate-authority';
import { issueClientCert } from '../../libs/pki/src/issue';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

const SEED = 0x5eed_2026;
const TOTAL = 10_000;
const CONCURRENCY = 16;
const BUDGET_MS = 90_000;

const MARK = { a: 'MARKER-NS-A', b: 'MARKER-NS-B' } as const;
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** what must never reach a user of the other namespace (plain and as base64 in Secrets) */
const LEAKS = { a: [MARK.a, b64(MARK.a).replace(/=+$/, ''), '"namespace":"a"'], b: [MARK.b, b64(MARK.b).replace(/=+$/, ''), '"namespace":"b"'] };

let server: ApiserverInstance;
let dir: string;
let caPem = '';

type Identity = 'ua' | 'ub' | 'uc' | 'admin' | 'anon' | 'badtoken' | 'forged' | 'foreigncert' | 'selfsigned';
interface Cred {
  agent: Agent;
  token?: string;
}
const creds = {} as Record<Identity, Cred>;
let forgedTokens: string[] = [];

/** mulberry32: small, fast, deterministic */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-fuzz-'));
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, 'ua-token,ua,uid-ua\nub-token,ub,uid-ub\n');
  server = await startApiserver({ extraArgs: ['--authorization-mode=Node,RBAC', `--token-auth-file=${tokenFile}`] });
  caPem = readFileSync(join(server.certDir, 'ca.crt'), 'utf8');
  const ca = await loadCA(caPem, readFileSync(join(server.certDir, 'ca.key'), 'utf8'));
  const admin = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
  const setup: string[][] = [
    ['create', 'namespace', 'a'],
    ['create', 'namespace', 'b'],
    ['create', 'configmap', 'leak-a', '-n', 'a', `--from-literal=marker=${MARK.a}`],
    ['create', 'configmap', 'leak-b', '-n', 'b', `--from-literal=marker=${MARK.b}`],
    ['create', 'secret', 'generic', 'sec-a', '-n', 'a', `--from-literal=marker=${MARK.a}`],
    ['create', 'secret', 'generic', 'sec-b', '-n', 'b', `--from-literal=marker=${MARK.b}`],
    ['create', 'role', 'all', '--verb=*', '--resource=configmaps,secrets,pods,services', '-n', 'a'],
    ['create', 'role', 'all', '--verb=*', '--resource=configmaps,secrets,pods,services', '-n', 'b'],
    ['create', 'rolebinding', 'ua-all', '--role=all', '--user=ua', '-n', 'a'],
    ['create', 'rolebinding', 'ub-all', '--role=all', '--user=ub', '-n', 'b'],
    ['create', 'role', 'cm-read', '--verb=get,list,watch', '--resource=configmaps', '-n', 'a'],
    ['create', 'rolebinding', 'uc-read', '--role=cm-read', '--user=uc', '-n', 'a'],
    ['create', 'sa', 'bot', '-n', 'a'],
  ];
  for (const args of setup) {
    const r = await admin(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  const t = await admin('create', 'token', 'bot', '-n', 'a', '--duration=1h');
  const [h, p, s] = t.stdout.trim().split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  forgedTokens = [
    // expired, re-signed with nothing
    `${h}.${enc({ ...payload, exp: 1_000_000_000 })}.${s}`,
    // another subject with the original signature
    `${h}.${enc({ ...payload, sub: 'system:serviceaccount:kube-system:admin' })}.${s}`,
    // alg none
    `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ ...payload, sub: 'system:admin' })}.`,
    // truncated signature, truncated token
    `${h}.${p}.${s.slice(0, 10)}`,
    `${h}.${p}`,
    'bootstrap.abcdef0123456789',
    'abcdef.0123456789abcdef',
  ];
  const kc = readFileSync(server.kubeconfig, 'utf8');
  const field = (name: string) => Buffer.from(new RegExp(`${name}: (\\S+)`).exec(kc)![1], 'base64').toString();
  const keepAlive = { keepAlive: true, maxSockets: CONCURRENCY, ca: caPem };
  const uc = await issueClientCert(ca, { cn: 'uc' });
  // a foreign CA's cert claiming system:masters, and a cert with no CA at all
  const foreign = await createCA({ commonName: 'evil-ca' });
  const evil = await issueClientCert(foreign, { cn: 'admin', orgs: ['system:masters'] });
  creds.ua = { agent: new Agent(keepAlive), token: 'ua-token' };
  creds.ub = { agent: new Agent(keepAlive), token: 'ub-token' };
  creds.uc = { agent: new Agent({ ...keepAlive, cert: uc.certPem, key: uc.keyPem }) };
  creds.admin = { agent: new Agent({ ...keepAlive, cert: field('client-certificate-data'), key: field('client-key-data') }) };
  creds.anon = { agent: new Agent(keepAlive) };
  creds.badtoken = { agent: new Agent(keepAlive) };
  creds.forged = { agent: new Agent(keepAlive) };
  creds.foreigncert = { agent: new Agent({ ...keepAlive, cert: evil.certPem, key: evil.keyPem }) };
  creds.selfsigned = { agent: new Agent({ ...keepAlive, cert: foreign.certPem, key: foreign.keyPem }) };
}, 120_000);

afterAll(async () => {
  for (const c of Object.values(creds)) c.agent.destroy();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Req {
  who: Identity;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  kind: string;
}
interface Res {
  status: number;
  body: string;
  error?: string;
}

function send(r: Req): Promise<Res> {
  return new Promise((resolve) => {
    const c = creds[r.who];
    const headers: Record<string, string> = { ...r.headers };
    if (c.token) headers.Authorization = `Bearer ${c.token}`;
    if (r.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(r.body));
    let req;
    try {
      req = request(server.url + r.path, { method: r.method, agent: c.agent, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve({ status: res.statusCode ?? 0, body: '', error: e.message }));
      });
    } catch (e) {
      resolve({ status: -1, body: '', error: `client refused: ${(e as Error).message}` });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

// ---- generators ------------------------------------------------------------------------------

function generator(seed: number) {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (n: number) => Math.floor(rand() * n);
  const chance = (p: number) => rand() < p;
  const randStr = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._~%!$&\'()*+,;=:@') => Array.from({ length: n }, () => pick(alphabet.split(''))).join('');
  const randBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

  const NS = ['a', 'b', 'a', 'default', 'kube-system', '..', '%2e%2e', '.', 'A', 'a%2fb', 'b%00', 'ä', 'x'.repeat(300), ''];
  const RES = ['configmaps', 'secrets', 'pods', 'services', 'events', 'serviceaccounts', 'nothings', 'pods/p/status', 'configmaps/leak-a/status'];
  const NAMES = ['leak-a', 'leak-b', 'sec-a', 'sec-b', '..', '%2e%2e', '.', 'leak-b%00', 'p', 'x'.repeat(400), '%ff%fe', 'LEAK-A', 'leak-a;b'];
  const TRICKS = [
    '/api/v1/namespaces/../secrets',
    '/api/v1/namespaces/a/../b/secrets',
    '/api/v1/namespaces/a/configmaps/../../b/configmaps',
    '/api/v1/namespaces/a/configmaps/../../b/configmaps/leak-b',
    '/api/v1/namespaces/a/%2e%2e/b/secrets',
    '/api/v1/namespaces/a/secrets/%2e%2e%2f%2e%2e%2fb%2fsecrets%2fsec-b',
    '/api/v1/namespaces/a%2f..%2fb/secrets',
    '//api//v1//namespaces//b//secrets',
    '/api/v1//namespaces/b/configmaps',
    '/api/v1/namespaces/b/configmaps/',
    '/api/v1/namespaces/a/pods/p/proxy/../../../../b/secrets/sec-b',
    '/api/v1/namespaces/a/pods/p/proxy/%2e%2e/%2e%2e/%2e%2e/b/secrets',
    '/api/v1/namespaces/a/services/s:80/proxy/..%2f..%2fb',
    '/api/v1/nodes/n1/proxy/../../namespaces/b/secrets',
    '/apis/apps/v1/../../api/v1/namespaces/b/secrets',
    '/apis/%2e%2e/api/v1/namespaces/b/secrets',
    '/api/v1/namespaces/b/secrets/sec-b/../../../a/secrets',
    '/api/./v1/namespaces/b/secrets',
    '/api/v1/namespaces/a/configmaps/leak-a/../leak-b',
    '/api/v1/namespaces/A/configmaps',
    '/api/v1/namespaces/b\\..\\a/configmaps',
    '/api/v1/watch/namespaces/b/configmaps?timeoutSeconds=1',
    '/api/v1/configmaps',
    '/api/v1/secrets',
    '/api/v1/namespaces/a/configmaps?fieldSelector=metadata.namespace%3Db',
    '/api/v1/namespaces/a/configmaps?fieldSelector=metadata.namespace!%3Da',
    '/api/v1/namespaces/a/configmaps?labelSelector=marker',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/healthz/../api/v1/namespaces/b/secrets',
    '/livez/%2e%2e/api/v1/secrets',
    '/version/../api/v1/secrets',
    '/openapi/v2/../../api/v1/secrets',
    '/.well-known/openid-configuration/../../api/v1/secrets',
  ];
  const labelSelector = () =>
    pick([
      () => 'marker',
      () => '!!==,,',
      () => `a in (${Array.from({ length: 3000 }, (_, i) => `v${i}`).join(',')})`,
      () => Array.from({ length: 2000 }, (_, i) => `k${i}=v`).join(','),
      () => 'a'.repeat(70_000) + '=b',
      () => 'a notin (',
      () => 'a=(b)',
      () => randStr(40),
      () => '=,=,=',
      () => 'a in ()',
    ])();
  const forgedContinue = () =>
    pick([
      () => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: '../b/leak-b' })).toString('base64url'),
      () => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'b/' })).toString('base64url'),
      () => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: '/registry/configmaps/b/' })).toString('base64url'),
      () => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -5, start: 'x' })).toString('base64url'),
      () => Buffer.from(JSON.stringify({ v: 'other', rv: 1, start: 'x' })).toString('base64url'),
      () => Buffer.from('{"v":').toString('base64url'),
      () => randStr(30),
      () => '%%%',
    ])();
  const query = (): string => {
    const q: string[] = [];
    const n = int(4);
    for (let i = 0; i < n; i++) {
      q.push(
        pick([
          () => `labelSelector=${encodeURIComponent(labelSelector())}`,
          () => `fieldSelector=${encodeURIComponent(pick(['metadata.name=leak-b', 'metadata.namespace=b', 'spec.x=y', '!!', 'metadata.name', 'a=b=c', randStr(20)]))}`,
          () => `resourceVersion=${encodeURIComponent(pick(['abc', '-1', '1e9', '99999999999999999999999', '', '0', '1', ' 1', '0x10']))}`,
          () => `resourceVersionMatch=${pick(['Exact', 'NotOlderThan', 'bogus', ''])}`,
          () => `limit=${pick(['-5', 'abc', '1e100', '1', '0', '99999999999999999999'])}`,
          () => `continue=${encodeURIComponent(forgedContinue())}`,
          () => `timeout=${pick(['abc', '1ms', '-1s', '1h', '0', '1e3s'])}`,
          () => `timeoutSeconds=${pick(['abc', '-1', '1', '99999999999'])}`,
          () => `dryRun=${pick(['All', 'bogus', '', 'All&dryRun=x'])}`,
          () => `fieldManager=${encodeURIComponent(pick(['x'.repeat(200), 'fz', '', '\u0000']))}`,
          () => `fieldValidation=${pick(['Strict', 'bogus', 'Warn', 'Ignore'])}`,
          () => `propagationPolicy=${pick(['bogus', 'Orphan', 'Foreground'])}`,
          () => `gracePeriodSeconds=${pick(['-1', 'abc', '99999999999999'])}`,
          () => `pretty=${pick(['true', 'x'])}`,
          () => `watch=${pick(['false', '0', 'x&timeoutSeconds=1'])}`, // upstream reads watch=x as true
          () => `allowWatchBookmarks=${pick(['x', 'true'])}`,
          () => `sendInitialEvents=${pick(['true', 'x'])}`,
          () => `${randStr(5)}=${randStr(5)}`,
          () => '%zz=%zz',
        ])(),
      );
    }
    return q.length ? `?${q.join('&')}` : '';
  };
  const nest = (n: number, open: string, close: string, inner = '1') => open.repeat(n) + inner + close.repeat(n);
  const cm = (ns: string, name = `fz-${randStr(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}`) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { k: 'v' } });
  const badJson = () =>
    pick([
      () => '{"apiVersion":"v1","kind":',
      () => 'null',
      () => '[]',
      () => '"str"',
      () => '123',
      () => '{',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":1}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"b"}}',
      () => '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"},"data":{"k":"!!!notbase64"}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"UPPER_case"}}',
      () => '{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}',
      () => '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}',
      () => '{"metadata":{"name":"x"}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"a":{"b":1}}}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","__proto__":{"polluted":1}}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","resourceVersion":"abc"}}',
      () => '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","generateName":"y","managedFields":[{"manager":1}]}}',
      () => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":${nest(20_000, '{"a":', '}')}}`,
      () => nest(100_000, '[', ']'),
      () => nest(100_000, '{"a":', '}'),
      () => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":"${'\\ud800'.repeat(100)}"}}`,
      () => '\ufeff{"apiVersion":"v1"}',
      () => randBytes(200).toString('latin1'),
      () => JSON.stringify(cm('b')),
      () => JSON.stringify(cm('a')),
    ])();
  const yaml = () =>
    pick([
      () => ': : :\n- - -',
      () => 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  namespace: b\n',
      () => 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
      () => '!!binary garbage',
      () => '%YAML 9.9\n---\na: 1',
      () => nest(20_000, '[', ']'),
      () => 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\ndata: {k: !!js/function "function(){}"}\n',
      () => '---\na: 1\n---\nb: 2\n',
    ])();
  const protobuf = () => Buffer.concat([Buffer.from(pick(['k8s\u0000', 'k8s', 'k9s\u0000', ''])), randBytes(int(300))]);
  const patch = (): { type: string; body: string } =>
    pick([
      () => ({ type: 'application/json-patch+json', body: pick(['[{"op":"bogus"}]', '[{"op":"replace","path":"/metadata/namespace","value":"b"}]', '[{"op":"add","path":"/data/x","value":1}]', '[{"op":"test","path":"/x","value":1}]', '{}', '[{"op":"remove","path":"/metadata"}]', '[{"op":"copy","from":"/data","path":"/data/x/y/z"}]', '[{"op":"move","from":"/metadata/name","path":"/metadata/name2"}]', `[{"op":"add","path":"${'/a'.repeat(10_000)}","value":1}]`, '[{"op":"add","path":"/data/~2","value":"x"}]', '[{"op":"add","path":"/data/-","value":"x"}]', '[{"op":"replace","path":"/metadata/name","value":"leak-b"}]', '[', 'null', `[${'{"op":"test","path":"/kind","value":"ConfigMap"},'.repeat(5000)}{"op":"test","path":"/kind","value":"ConfigMap"}]`]) }),
      () => ({ type: 'application/merge-patch+json', body: pick(['{"metadata":{"namespace":"b"}}', '{"metadata":{"name":"other"}}', 'null', '[1]', nest(50_000, '{"a":', '}'), '{"data":{"k":{"x":1}}}', '{"metadata":{"resourceVersion":"abc"}}', '{"kind":"Secret"}', '{']) }),
      () => ({ type: 'application/strategic-merge-patch+json', body: pick(['{"$patch":"delete"}', '{"data":{"$patch":"replace"}}', '{"metadata":{"$setElementOrder/finalizers":[1]}}', '{"$retainKeys":"x"}', '{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}', '{"metadata":{"namespace":"b"}}', nest(50_000, '[', ']'), '{"spec":{"containers":[{"$patch":"merge"}]}}']) }),
      () => ({ type: 'application/apply-patch+yaml', body: pick([yaml(), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak-a\n  namespace: b\n', '{"apiVersion":"v1","kind":"ConfigMap"}', '']) }),
      () => ({ type: 'application/apply-patch+cbor', body: randBytes(30).toString('latin1') }),
      () => ({ type: pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/bogus-patch+json']), body: '{}' }),
    ])();

  const resourcePath = (ns: string) => {
    const res = pick(RES);
    return chance(0.5) ? `/api/v1/namespaces/${ns}/${res}` : `/api/v1/namespaces/${ns}/${res.split('/')[0]}/${pick(NAMES)}`;
  };

  return (): Req => {
    const who: Identity = pick(['ua', 'ua', 'ua', 'ub', 'ub', 'uc', 'uc', 'admin', 'anon', 'badtoken', 'forged', 'foreigncert', 'selfsigned']);
    const headers: Record<string, string> = { Accept: pick(['application/json', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'text/html', '*/*', 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io', 'garbage/;;;']) };
    if (who === 'badtoken') headers.Authorization = pick([`Bearer ${randStr(int(80))}`, 'Bearer', 'Bearer  ', `Basic ${b64('admin:admin')}`, `bearer ${randStr(10)}`, `Bearer ${'x'.repeat(8000)}`, 'Negotiate abc']);
    if (who === 'forged') headers.Authorization = `Bearer ${pick(forgedTokens)}`;
    let kind = 'read';
    let method = 'GET';
    let path = resourcePath(pick(NS));
    let body: Buffer | string | undefined;
    const roll = rand();
    if (roll < 0.2) {
      kind = 'path-trick';
      path = pick(TRICKS);
      method = pick(['GET', 'GET', 'DELETE', 'PUT', 'PATCH', 'POST']);
      if (method !== 'GET') {
        body = JSON.stringify(cm('b', 'leak-b'));
        headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      }
    } else if (roll < 0.35) {
      kind = 'query';
      path = `${pick([`/api/v1/namespaces/${pick(['a', 'b'])}/configmaps`, `/api/v1/namespaces/${pick(['a', 'b'])}/secrets`, '/api/v1/configmaps', '/api/v1/namespaces', `/api/v1/namespaces/a/configmaps/leak-a`])}${query()}`;
    } else if (roll < 0.55) {
      kind = 'body';
      method = pick(['POST', 'POST', 'PUT']);
      const ns = pick(['a', 'b', 'a']);
      path = method === 'POST' ? `/api/v1/namespaces/${ns}/${pick(['configmaps', 'secrets', 'pods'])}${chance(0.3) ? query() : ''}` : `/api/v1/namespaces/${ns}/configmaps/${pick(['leak-a', 'leak-b', 'x'])}`;
      const form = rand();
      if (form < 0.55) {
        headers['Content-Type'] = pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16']);
        body = badJson();
      } else if (form < 0.7) {
        headers['Content-Type'] = pick(['application/yaml', 'application/x-yaml']);
        body = yaml();
      } else if (form < 0.85) {
        headers['Content-Type'] = 'application/vnd.kubernetes.protobuf';
        body = protobuf();
      } else if (form < 0.97) {
        headers['Content-Type'] = pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json-patch+json', '', ';;;', 'application/cbor']);
        body = badJson();
      } else {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify({ ...cm(ns), data: { big: 'x'.repeat(4 * 1024 * 1024) } });
      }
    } else if (roll < 0.75) {
      kind = 'patch';
      method = 'PATCH';
      const p = patch();
      const ns = pick(['a', 'b', 'a']);
      path = `/api/v1/namespaces/${ns}/${pick(['configmaps/leak-a', 'configmaps/leak-b', 'secrets/sec-a', 'configmaps/missing', 'pods/p', 'configmaps/leak-a/status'])}${chance(0.4) ? `?fieldManager=fz${chance(0.3) ? '&force=true' : ''}` : chance(0.2) ? query() : ''}`;
      headers['Content-Type'] = p.type;
      body = p.body;
    } else if (roll < 0.85) {
      kind = 'headers';
      path = resourcePath(pick(['a', 'b']));
      const h = rand();
      if (h < 0.15) headers['X-Big'] = 'x'.repeat(pick([8_000, 20_000, 100_000]));
      else if (h < 0.3) for (let i = 0; i < 300; i++) headers[`X-H${i}`] = randStr(20);
      else if (h < 0.55) headers['Impersonate-User'] = pick(['admin', 'ub', 'system:admin', '', 'ua']);
      else if (h < 0.7) headers['Impersonate-Group'] = 'system:masters';
      else if (h < 0.8) {
        headers['Impersonate-User'] = 'ua';
        headers['Impersonate-Extra-'] = 'x';
      } else if (h < 0.9) headers['Impersonate-Uid'] = 'u1';
      else headers['Content-Length'] = 'abc';
      if (headers['Content-Length']) delete headers['Content-Length'];
    } else if (roll < 0.93) {
      kind = 'method';
      method = pick(['HEAD', 'OPTIONS', 'PROPFIND', 'TRACE', 'CONNECT', 'DELETE', 'PUT']);
      path = pick([resourcePath(pick(['a', 'b'])), '/api/v1/namespaces/b', '/api/v1/namespaces/a', '/api/v1/namespaces/b/configmaps']);
      if (method === 'PUT') {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(cm('b', 'leak-b'));
      }
      if (method === 'OPTIONS') headers.Origin = 'https://evil.example';
    } else {
      kind = 'random-path';
      path = '/' + Array.from({ length: 1 + int(8) }, () => encodeURIComponent(randStr(1 + int(12)))).join(pick(['/', '//', '/../', '/./']));
      method = pick(['GET', 'POST', 'DELETE']);
    }
    return { who, method, path, headers, body, kind };
  };
}

// ---- checks ----------------------------------------------------------------------------------

/** a problem with one answer, or undefined */
function check(req: Req, res: Res): string | undefined {
  if (res.status === -1) return undefined; // the client library refused to send it
  if (req.method === 'CONNECT' && res.status === 0) return undefined; // Node's HTTP server takes CONNECT as a tunnel request
  // upstream's impersonation filter: Impersonate-Group/-Uid/-Extra without Impersonate-User is a deliberate
  // InternalError (Go's plain text `Internal Server Error: "<path>": requested [...] without impersonating a user`)
  if (res.status === 500 && / without impersonating a user\n$/.test(res.body) && !req.headers['Impersonate-User']) return undefined;
  if (res.status === 400 && res.body === '400 Bad Request') return undefined; // Go's net/http for unreadable requests
  if (res.status === 0) {
    // the connection was cut: acceptable only where the HTTP layer itself refuses (oversized headers/bodies)
    const huge = (req.headers['X-Big']?.length ?? 0) > 16_000 || (typeof req.body === 'string' && req.body.length > 3 * 1024 * 1024) || Object.keys(req.headers).length > 200 || (req.headers.Authorization?.length ?? 0) > 7000;
    return huge ? undefined : `connection error: ${res.error}`;
  }
  if (res.status >= 500 && res.status !== 503 && res.status !== 504) return `5xx`;
  const ok = res.status >= 200 && res.status < 300;
  if (!ok) {
    if (req.method === 'HEAD' || res.status === 431) return undefined;
    if (res.status === 429 && res.body === 'Too many requests, please try again later.\n') return undefined;
    if (res.status === 404 && res.body === '404 page not found\n') return undefined;
    let s: { kind?: string; apiVersion?: string; code?: number; status?: string } | undefined;
    try {
      s = JSON.parse(res.body);
    } catch {
      /* below */
    }
    if (req.headers.Accept === 'application/yaml' && /^kind: Status/m.test(res.body)) return undefined;
    if (!s || s.kind !== 'Status' || s.apiVersion !== 'v1' || s.code !== res.status || s.status !== 'Failure') {
      // protobuf Status for protobuf clients is upstream's answer too
      if (req.headers.Accept === 'application/vnd.kubernetes.protobuf' && res.body.startsWith('k8s')) return undefined;
      return `non-Status error body`;
    }
    return undefined;
  }
  // 2xx: nothing of the other namespace, nothing protected for the unauthenticated
  const forbidden: string[] =
    req.who === 'ua' ? LEAKS.b : req.who === 'ub' ? LEAKS.a : req.who === 'uc' ? [...LEAKS.b, b64(MARK.a).replace(/=+$/, '')] : req.who === 'admin' ? [] : [...LEAKS.a, ...LEAKS.b];
  const leak = forbidden.find((m) => res.body.includes(m));
  if (leak) return `LEAK of ${leak}`;
  if (['anon', 'badtoken', 'forged', 'foreigncert', 'selfsigned'].includes(req.who) && req.method !== 'OPTIONS') {
    const p = req.path.split('?')[0];
    if (!/^\/(healthz|livez|readyz|version)\/?$/.test(p) && !p.startsWith('/.well-known/openid-configuration') && !p.startsWith('/openid/v1/jwks')) return `unauthenticated 2xx`;
  }
  return undefined;
}

describe('fuzz', () => {
  it(`survives ${TOTAL} hostile requests (seed ${SEED})`, async () => {
    const pid = server.process.pid;
    const next = generator(SEED);
    const reqs = Array.from({ length: TOTAL }, () => next());
    const failures: string[] = [];
    const statusCount = new Map<number, number>();
    const started = Date.now();
    let i = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (i < reqs.length && Date.now() - started < BUDGET_MS) {
          const r = reqs[i++];
          const res = await send(r);
          done++;
          statusCount.set(res.status, (statusCount.get(res.status) ?? 0) + 1);
          const problem = check(r, res);
          if (problem && failures.length < 40) {
            const body = typeof r.body === 'string' ? r.body.slice(0, 120) : r.body ? `<${r.body.length} bytes>` : '';
            failures.push(`${problem}: [${r.kind}] ${r.who} ${r.method} ${r.path.slice(0, 200)} ${r.headers['Content-Type'] ?? ''} ${body} -> ${res.status} ${res.body.slice(0, 300)}`);
          }
        }
      }),
    );
    const elapsed = Date.now() - started;
    console.log(`fuzz: ${done} requests in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...statusCount].sort((a, b) => a[0] - b[0])))}`);
    expect(failures).toEqual([]);
    expect(done).toBe(TOTAL);
    // still the same process, still alive
    expect(server.process.exitCode).toBeNull();
    expect(server.process.pid).toBe(pid);
    const live = await server.request('GET', '/livez');
    expect(live.status).toBe(200);
  }, 200_000);
});
