import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert, issueServingCert, type CertificateAuthority } from '../../../libs/pki/src';
import { DelegatingAuthenticator } from './authn';
import { DelegatingAuthorizer } from './authz';
import { MetricsHttpsServer } from './server';
import { MetricsStorage } from './storage';

const T0 = Date.parse('2026-01-01T00:00:00Z');
let server: MetricsHttpsServer;
let port: number;
let servingCA: CertificateAuthority;
let proxy: { certPem: string; keyPem: string };
let stranger: { certPem: string; keyPem: string };
const reviews: Record<string, unknown>[] = [];

beforeAll(async () => {
  servingCA = await createCA();
  const frontCA = await createCA({ commonName: 'front-proxy-ca' });
  const otherCA = await createCA({ commonName: 'other' });
  proxy = await issueCert(frontCA, { commonName: 'front-proxy-client', usage: 'client' });
  stranger = await issueCert(otherCA, { commonName: 'front-proxy-client', usage: 'client' });
  const serving = await issueServingCert(servingCA, { advertiseAddress: '127.0.0.1', commonName: 'metrics-server' });
  const storage = new MetricsStorage(1000);
  const point = (sec: number, cpu: bigint, mem: bigint) => ({ startTime: T0 - 100_000, timestamp: T0 + sec * 1000, cumulativeCpu: cpu, memory: mem });
  for (const [sec, cpu] of [
    [0, 0n],
    [2, 40_000_000n],
  ] as const) {
    storage.store({
      nodes: new Map([
        ['n1', point(sec, cpu * 10n, 512n * 1024n * 1024n)],
        ['n2', point(sec, cpu * 20n, 1024n * 1024n * 1024n)],
      ]),
      pods: [{ namespace: 'web', name: 'p', containers: [{ name: 'c', ...point(sec, cpu, 16n * 1024n * 1024n) }] }],
    });
  }
  const nodes = new Map([
    ['n1', { metadata: { name: 'n1', labels: { role: 'a' } } }],
    ['n2', { metadata: { name: 'n2', labels: { role: 'b' } } }],
    ['n3', { metadata: { name: 'n3' } }],
  ]);
  const pods = new Map([
    ['web/p', { metadata: { name: 'p', namespace: 'web', labels: { app: 'x' } }, status: { phase: 'Running' } }],
    ['web/pending', { metadata: { name: 'pending', namespace: 'web' }, status: { phase: 'Pending' } }],
  ]);
  server = new MetricsHttpsServer({
    cert: serving.certPem,
    key: serving.keyPem,
    authenticator: new DelegatingAuthenticator({
      requestHeader: { clientCA: frontCA.certPem, allowedNames: ['front-proxy-client'], usernameHeaders: ['X-Remote-User'], uidHeaders: [], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] },
      anonymous: true,
    }),
    authorizer: new DelegatingAuthorizer(async (review) => {
      reviews.push(review);
      const spec = review.spec as { user: string };
      return spec.user === 'viewer' ? { allowed: true, reason: 'RBAC: allowed' } : { allowed: false };
    }),
    sources: { storage, nodes: () => nodes, pods: () => pods, now: () => T0 + 5000 },
  });
  port = await server.listen(0, '127.0.0.1');
});

afterAll(async () => server?.close());

function get(path: string, opts: { user?: string; groups?: string[]; cert?: { certPem: string; keyPem: string } | null; accept?: string } = {}): Promise<{ status: number; body: string; type: string; json: () => any }> {
  const cert = opts.cert === undefined ? proxy : opts.cert;
  const headers: Record<string, string | string[]> = { Accept: opts.accept ?? 'application/json' };
  if (opts.user) headers['X-Remote-User'] = opts.user;
  if (opts.groups) headers['X-Remote-Group'] = opts.groups;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: servingCA.certPem, cert: cert?.certPem, key: cert?.keyPem, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']), json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const admin = { user: 'admin', groups: ['system:masters'] };

describe('metrics-server HTTPS API', () => {
  it('401 when the front-proxy certificate does not verify', async () => {
    const r = await get('/apis/metrics.k8s.io/v1beta1/nodes', { ...admin, cert: stranger });
    expect(r.status).toBe(401);
    expect(r.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it('403 with upstream\'s Forbidden Status after a denied SubjectAccessReview', async () => {
    const r = await get('/apis/metrics.k8s.io/v1beta1/namespaces/web/pods', { user: 'bob', groups: ['dev'] });
    expect(r.status).toBe(403);
    expect(r.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods.metrics.k8s.io is forbidden: User "bob" cannot list resource "pods" in API group "metrics.k8s.io" in the namespace "web"',
      reason: 'Forbidden',
      details: { group: 'metrics.k8s.io', kind: 'pods' },
      code: 403,
    });
    expect(reviews.at(-1)).toMatchObject({
      kind: 'SubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'web', verb: 'list', group: 'metrics.k8s.io', version: 'v1beta1', resource: 'pods' }, user: 'bob', groups: ['dev', 'system:authenticated'] },
    });
    // anonymous (no certificate) is authorized like anyone else
    const anon = await get('/apis/metrics.k8s.io/v1beta1', { cert: null });
    expect(anon.status).toBe(403);
    expect(anon.json().message).toBe('forbidden: User "system:anonymous" cannot get path "/apis/metrics.k8s.io/v1beta1"');
    // an allowed user; the answer is cached
    const before = reviews.length;
    expect((await get('/apis/metrics.k8s.io/v1beta1/nodes', { user: 'viewer' })).status).toBe(200);
    expect((await get('/apis/metrics.k8s.io/v1beta1/nodes', { user: 'viewer' })).status).toBe(200);
    expect(reviews.length).toBe(before + 1);
  });

  it('health checks need no authorization', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await get(p, { cert: null });
      expect([r.status, r.body]).toEqual([200, 'ok']);
    }
  });

  it('discovery', async () => {
    expect((await get('/apis', admin)).json()).toEqual({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } }],
    });
    expect((await get('/apis/metrics.k8s.io', admin)).json()).toMatchObject({ kind: 'APIGroup', name: 'metrics.k8s.io' });
    expect((await get('/apis/metrics.k8s.io/v1beta1', admin)).json()).toEqual({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    });
    const agg = await get('/apis', { ...admin, accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(agg.type).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(agg.json().items[0].versions[0].resources.map((r: { resource: string; scope: string }) => `${r.resource}:${r.scope}`)).toEqual(['nodes:Cluster', 'pods:Namespaced']);
    const missing = await get('/apis/metrics.k8s.io/v1', admin);
    expect([missing.status, missing.json().message]).toEqual([404, 'the server could not find the requested resource']);
  });

  it('NodeMetrics: list (only nodes with metrics, label selector) and get', async () => {
    const list = (await get('/apis/metrics.k8s.io/v1beta1/nodes', admin)).json();
    expect(list.kind).toBe('NodeMetricsList');
    expect(list.apiVersion).toBe('metrics.k8s.io/v1beta1');
    expect(list.items).toEqual([
      { metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:05Z', labels: { role: 'a' } }, timestamp: '2026-01-01T00:00:02Z', window: '2s', usage: { cpu: '200m', memory: '512Mi' } },
      { metadata: { name: 'n2', creationTimestamp: '2026-01-01T00:00:05Z', labels: { role: 'b' } }, timestamp: '2026-01-01T00:00:02Z', window: '2s', usage: { cpu: '400m', memory: '1Gi' } },
    ]);
    const sel = (await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=role%3Db', admin)).json();
    expect(sel.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['n2']);
    const one = (await get('/apis/metrics.k8s.io/v1beta1/nodes/n1', admin)).json();
    expect(one).toMatchObject({ kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1', metadata: { name: 'n1' } });
    const noMetrics = await get('/apis/metrics.k8s.io/v1beta1/nodes/n3', admin);
    expect([noMetrics.status, noMetrics.json().message]).toEqual([404, 'nodemetrics.metrics.k8s.io "n3" not found']);
    const noNode = await get('/apis/metrics.k8s.io/v1beta1/nodes/zz', admin);
    expect([noNode.status, noNode.json().message]).toEqual([404, 'nodes "zz" not found']);
    const bad = await get('/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=a%3D%3D%3Db', admin);
    expect(bad.status).toBe(400);
  });

  it('PodMetrics: namespaced and all-namespaces lists, get, Table', async () => {
    const list = (await get('/apis/metrics.k8s.io/v1beta1/namespaces/web/pods', admin)).json();
    expect(list).toEqual({
      kind: 'PodMetricsList',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {},
      items: [
        {
          metadata: { name: 'p', namespace: 'web', creationTimestamp: '2026-01-01T00:00:05Z', labels: { app: 'x' } },
          timestamp: '2026-01-01T00:00:02Z',
          window: '2s',
          containers: [{ name: 'c', usage: { cpu: '20m', memory: '16Mi' } }],
        },
      ],
    });
    expect((await get('/apis/metrics.k8s.io/v1beta1/pods', admin)).json().items).toHaveLength(1);
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/other/pods', admin)).json().items).toEqual([]);
    expect((await get('/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dy', admin)).json().items).toEqual([]);
    expect((await get('/apis/metrics.k8s.io/v1beta1/namespaces/web/pods/p', admin)).json()).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'p' } });
    const pending = await get('/apis/metrics.k8s.io/v1beta1/namespaces/web/pods/pending', admin);
    expect([pending.status, pending.json().message]).toEqual([404, 'podmetrics.metrics.k8s.io "web/pending" not found']);
    const table = await get('/apis/metrics.k8s.io/v1beta1/namespaces/web/pods', { ...admin, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    expect(table.json().rows[0].cells).toEqual(['p', '20m', '16Mi', '2s']);
    const watch = await get('/apis/metrics.k8s.io/v1beta1/pods?watch=true', admin);
    expect([watch.status, watch.json().message]).toEqual([405, 'watch is not supported on resources of kind "pods.metrics.k8s.io"']);
  });
});
