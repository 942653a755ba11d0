/**
 * The aggregation layer end to end, with kubectl 1.32 over etcd: a replica started with the
 * request-header / proxy-client flags (front-proxy CA and client certificate made here), a tiny
 * aggregated API server written in the test (HTTPS on loopback, checks the front-proxy client
 * certificate, echoes X-Remote-User / X-Remote-Group, serves /apis/test.kubernest.io/v1 discovery,
 * a list and a slow watch), a Service + EndpointSlice pointing at it and an APIService with its caBundle.
 * Covers the proxy (user headers, no Authorization, streaming), `kubectl get apiservices`,
 * `kubectl api-resources`, availability going False (FailedDiscoveryCheck) and 503 when the backend
 * stops and True again when it returns, local APIServices, request-header authentication on the
 * API server itself and the extension-apiserver-authentication ConfigMap.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createCA, issueCert } from '../../libs/pki/src';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { aggregatedBackendManifests, makeFrontProxy } from '../harness/front-proxy';
import { freePort } from '../harness/ports';

const K = '1.32';
let dir: string;
let api: ApiserverInstance;
let backend: Server | undefined;
let backendPort: number;
let serving: { certPem: string; keyPem: string };
let frontCAPem: string;
let front: { certPem: string; keyPem: string };
const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];

const k = (...args: string[]) => kubectl(K, api.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl(K, api.kubeconfig, args, input);

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const resourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'test.kubernest.io/v1',
  resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget', verbs: ['get', 'list', 'watch'], shortNames: ['wd'] }],
};

function backendHandler(req: IncomingMessage, res: ServerResponse): void {
  const sock = req.socket as TLSSocket;
  const cn = sock.authorized ? (sock.getPeerCertificate().subject?.CN ?? '') : '';
  if (cn !== 'front-proxy-client') {
    res.writeHead(401, { 'Content-Type': 'text/plain' }).end('no front-proxy client certificate');
    return;
  }
  seen.push({ url: req.url ?? '', headers: req.headers });
  const url = new URL(req.url ?? '/', 'https://backend');
  const json = (code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/apis/test.kubernest.io/v1') return json(200, resourceList);
  if (url.pathname === '/apis/test.kubernest.io/v1/namespaces/default/widgets') {
    const groups = req.headersDistinct['x-remote-group'] ?? [];
    const widget = (name: string) => ({ apiVersion: 'test.kubernest.io/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, user: req.headers['x-remote-user'], groups, authorization: req.headers.authorization ?? '' });
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => json(201, { ...JSON.parse(Buffer.concat(chunks).toString('utf8')), user: req.headers['x-remote-user'] }));
      return;
    }
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: widget('first') })}\n`);
      setTimeout(() => res.end(`${JSON.stringify({ type: 'ADDED', object: widget('second') })}\n`), 1500);
      return;
    }
    return json(200, { apiVersion: 'test.kubernest.io/v1', kind: 'WidgetList', metadata: { resourceVersion: '1' }, items: [widget('w1')] });
  }
  json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
}

async function startBackend(): Promise<void> {
  backend = createServer({ cert: serving.certPem, key: serving.keyPem, ca: frontCAPem, requestCert: true, rejectUnauthorized: false }, backendHandler);
  await new Promise<void>((r) => backend!.listen(backendPort, '127.0.0.1', r));
}

async function stopBackend(): Promise<void> {
  const b = backend;
  backend = undefined;
  if (!b) return;
  b.closeAllConnections();
  await new Promise((r) => b.close(r));
}

function adminCreds(): { ca: string; cert: string; key: string } {
  const kc = parseYaml(readFileSync(api.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return { ca: b(kc.clusters[0].cluster['certificate-authority-data']), cert: b(kc.users[0].user['client-certificate-data']), key: b(kc.users[0].user['client-key-data']) };
}

/** a raw HTTPS request to the API server with the given client certificate */
function raw(method: string, path: string, client: { certPem: string; keyPem: string } | undefined, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  const { ca } = adminCreds();
  return new Promise((resolve, reject) => {
    const req = request(api.url + path, { method, ca, cert: client?.certPem, key: client?.keyPem, headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function availability(name: string): Promise<string> {
  const r = await k('get', 'apiservice', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason}');
  return r.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-aggregation-'));
  const frontProxy = await makeFrontProxy(dir);
  frontCAPem = frontProxy.caPem;
  front = frontProxy.client;
  const backendCA = await createCA({ commonName: 'test-api-ca' });
  serving = await issueCert(backendCA, { commonName: 'test-api', dnsNames: ['test-api.default.svc'], usage: 'server' });
  backendPort = await freePort();
  await startBackend();
  api = await startApiserver({ extraArgs: frontProxy.apiserverArgs });
  const manifests = aggregatedBackendManifests({
    service: 'test-api',
    namespace: 'default',
    targetPort: backendPort,
    group: 'test.kubernest.io',
    version: 'v1',
    groupPriorityMinimum: 1000,
    versionPriority: 15,
    caPem: backendCA.certPem,
  });
  const applied = await kin(manifests, 'apply', '-f', '-');
  expect(applied.stderr).toBe('');
}, 120_000);

afterAll(async () => {
  await stopBackend();
  await api?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('aggregation layer', () => {
  it('marks the remote APIService Available and lists it with upstream columns', async () => {
    await waitFor(async () => (await availability('v1.test.kubernest.io')) === 'True/Passed', 30_000, 'v1.test.kubernest.io Available').catch(async (e) => {
      console.log((await k('get', 'apiservice', 'v1.test.kubernest.io', '-o', 'yaml')).stdout, api.logs());
      throw e;
    });
    const r = await k('get', 'apiservices');
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE$/);
    expect(r.stdout).toMatch(/\nv1\.test\.kubernest\.io\s+default\/test-api\s+True\s+\S+/);
    const svc = await k('get', 'apiservice', 'v1.test.kubernest.io', '-o', 'jsonpath={.spec.service.port}');
    expect(svc.stdout).toBe('443');
  }, 60_000);

  it('creates local APIServices for the built-in groups, Available/Local', async () => {
    await waitFor(async () => (await availability('v1.apps')) === 'True/Local', 30_000, 'v1.apps Local');
    const r = await k('get', 'apiservice', 'v1.apps', '-o', 'jsonpath={.metadata.labels.kube-aggregator\\.kubernetes\\.io/automanaged} {.spec.groupPriorityMinimum} {.spec.versionPriority}');
    expect(r.stdout).toBe('onstart 17800 15');
    const core = await k('get', 'apiservices', 'v1.');
    expect(core.stdout).toMatch(/\nv1\.\s+Local\s+(True|Unknown)\s+/);
  }, 60_000);

  it('registers an automanaged APIService per CRD group version and removes it with the CRD', async () => {
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.agg.example.com}
spec:
  group: agg.example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    expect((await kin(crd, 'apply', '-f', '-')).stderr).toBe('');
    await waitFor(async () => (await availability('v1.agg.example.com')) === 'True/Local', 20_000, 'the CRD APIService');
    const r = await k('get', 'apiservice', 'v1.agg.example.com', '-o', 'jsonpath={.metadata.labels.kube-aggregator\\.kubernetes\\.io/automanaged} {.spec.groupPriorityMinimum} {.spec.versionPriority}');
    expect(r.stdout).toBe('true 1000 100');
    expect((await k('delete', 'crd', 'gadgets.agg.example.com')).code).toBe(0);
    await waitFor(async () => (await k('get', 'apiservice', 'v1.agg.example.com')).code !== 0, 20_000, 'the CRD APIService to go');
  }, 60_000);

  it('proxies requests with the user in the front-proxy headers and without Authorization', async () => {
    const r = await k('get', '--raw', '/apis/test.kubernest.io/v1/namespaces/default/widgets');
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { metadata: { name: string }; user: string; groups: string[]; authorization: string }[] };
    expect(list.kind).toBe('WidgetList');
    expect(list.items[0].user).toBe('admin');
    expect(list.items[0].groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
    expect(list.items[0].authorization).toBe('');
    const got = seen.find((s) => s.url.startsWith('/apis/test.kubernest.io/v1/namespaces/default/widgets'))!;
    expect(got.headers['x-remote-user']).toBe('admin');
    const created = await kin('{"apiVersion":"test.kubernest.io/v1","kind":"Widget","metadata":{"name":"posted"}}', 'create', '--raw', '/apis/test.kubernest.io/v1/namespaces/default/widgets', '-f', '-');
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ kind: 'Widget', metadata: { name: 'posted' }, user: 'admin' });
  });

  it('streams watch responses', async () => {
    const { ca, cert, key } = adminCreds();
    const started = Date.now();
    const firstAt = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}/apis/test.kubernest.io/v1/namespaces/default/widgets?watch=true`, { ca, cert, key }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once('data', () => resolve(Date.now()));
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    expect(firstAt - started).toBeLessThan(1400);
  });

  it('lists the remote group in discovery and kubectl api-resources', async () => {
    const { cert, key } = adminCreds();
    const agg = await raw('GET', '/apis', { certPem: cert, keyPem: key }, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    const item = (JSON.parse(agg.body).items as { metadata: { name: string }; versions: unknown[] }[]).find((i) => i.metadata.name === 'test.kubernest.io');
    expect(item?.versions).toEqual([
      { version: 'v1', resources: [{ resource: 'widgets', responseKind: { group: 'test.kubernest.io', version: 'v1', kind: 'Widget' }, scope: 'Namespaced', singularResource: 'widget', verbs: ['get', 'list', 'watch'], shortNames: ['wd'] }], freshness: 'Current' },
    ]);
    const r = await k('api-resources', '--api-group=test.kubernest.io');
    expect(r.stdout, r.stderr).toMatch(/widgets\s+wd\s+test\.kubernest\.io\/v1\s+true\s+Widget/);
    const legacy = await k('get', '--raw', '/apis');
    expect(JSON.parse(legacy.stdout).groups.map((g: { name: string }) => g.name)).toContain('test.kubernest.io');
    const group = await k('get', '--raw', '/apis/test.kubernest.io');
    expect(JSON.parse(group.stdout)).toMatchObject({ kind: 'APIGroup', name: 'test.kubernest.io', preferredVersion: { groupVersion: 'test.kubernest.io/v1' } });
  });

  it('authenticates front-proxy requests on the API server itself (request-header authentication)', async () => {
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const r = await raw('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', front, { 'X-Remote-User': 'alice', 'X-Remote-Group': 'devs', 'X-Remote-Extra-Scopes': 'a' }, review);
    expect(r.status, r.body).toBe(201);
    const info = JSON.parse(r.body).status.userInfo;
    expect(info.username).toBe('alice');
    expect(info.groups).toEqual(['devs', 'system:authenticated']);
    expect(info.extra).toMatchObject({ scopes: ['a'] });
    const stranger = await issueCert(await createCA(), { commonName: 'front-proxy-client', usage: 'client' });
    const bad = await raw('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', stranger, { 'X-Remote-User': 'alice' }, review);
    expect(bad.status).toBe(401);
  });

  it('publishes the extension-apiserver-authentication ConfigMap', async () => {
    await waitFor(async () => (await k('get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication')).code === 0, 20_000, 'the ConfigMap');
    const r = await k('get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication', '-o', 'json');
    const data = JSON.parse(r.stdout).data as Record<string, string>;
    expect(data['requestheader-username-headers']).toBe('["X-Remote-User"]');
    expect(data['requestheader-group-headers']).toBe('["X-Remote-Group"]');
    expect(data['requestheader-extra-headers-prefix']).toBe('["X-Remote-Extra-"]');
    expect(data['requestheader-allowed-names']).toBe('["front-proxy-client"]');
    expect(data['requestheader-client-ca-file']).toContain('BEGIN CERTIFICATE');
    expect(data['client-ca-file']).toContain('BEGIN CERTIFICATE');
  });

  it('a second replica agrees: no rewrites of the APIServices, same proxy', async () => {
    const rv = async (name: string) => (await k('get', 'apiservice', name, '-o', 'jsonpath={.metadata.resourceVersion}')).stdout;
    const before = [await rv('v1.apps'), await rv('v1.'), await rv('v1.test.kubernest.io')];
    // the same CA (a fresh cert dir, so the first replica's admin.kubeconfig keeps pointing at it)
    const certDir2 = join(dir, 'replica2');
    mkdirSync(certDir2, { mode: 0o700 });
    for (const f of ['ca.crt', 'ca.key']) copyFileSync(join(api.certDir, f), join(certDir2, f));
    const api2 = await startApiserver({ etcd: api.etcd, certDir: certDir2, extraArgs: api.process.spawnargs.filter((a) => a.startsWith('--requestheader') || a.startsWith('--proxy-client')) });
    try {
      let body = '';
      await waitFor(async () => {
        const r = await api2.request('GET', '/apis/test.kubernest.io/v1/namespaces/default/widgets');
        body = r.body;
        return r.status === 200;
      }, 30_000, 'the proxy on the second replica');
      expect(JSON.parse(body).items[0].user).toBe('admin');
      await new Promise((r) => setTimeout(r, 2000));
      expect([await rv('v1.apps'), await rv('v1.'), await rv('v1.test.kubernest.io')]).toEqual(before);
    } finally {
      await api2.stop();
    }
    const explain = await k('explain', 'apiservice.spec.caBundle');
    expect(explain.code, explain.stderr).toBe(0);
  }, 90_000);

  it('goes Available=False when the backend stops (503), and True again when it returns', async () => {
    await stopBackend();
    await waitFor(async () => (await availability('v1.test.kubernest.io')) === 'False/FailedDiscoveryCheck', 30_000, 'FailedDiscoveryCheck');
    const msg = await k('get', 'apiservice', 'v1.test.kubernest.io', '-o', 'jsonpath={.status.conditions[0].message}');
    expect(msg.stdout).toMatch(/^failing or missing response from https:\/\/127\.0\.0\.1:\d+\/apis\/test\.kubernest\.io\/v1: /);
    const down = await raw('GET', '/apis/test.kubernest.io/v1/namespaces/default/widgets', { certPem: adminCreds().cert, keyPem: adminCreds().key });
    expect(down.status).toBe(503);
    expect(down.body).toBe('service unavailable\n');
    const r = await k('get', 'apiservices', 'v1.test.kubernest.io');
    expect(r.stdout).toMatch(/default\/test-api\s+False \(FailedDiscoveryCheck\)/);
    // aggregated discovery keeps the group version, marked Stale, as upstream
    const { cert, key } = adminCreds();
    const agg = await raw('GET', '/apis', { certPem: cert, keyPem: key }, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    const item = (JSON.parse(agg.body).items as { metadata: { name: string }; versions: { version: string; freshness: string; resources?: { resource: string }[] }[] }[]).find((i) => i.metadata.name === 'test.kubernest.io');
    expect(item?.versions[0]).toMatchObject({ version: 'v1', freshness: 'Stale', resources: [{ resource: 'widgets' }] });
    await startBackend();
    await waitFor(async () => (await availability('v1.test.kubernest.io')) === 'True/Passed', 30_000, 'Available again');
    const again = await k('get', '--raw', '/apis/test.kubernest.io/v1/namespaces/default/widgets');
    expect(again.code, again.stderr).toBe(0);
  }, 90_000);
});
