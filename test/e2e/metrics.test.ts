/**
 * /metrics: the API replica's (through the filter chain: anonymous → 401, the admin cert may read
 * it), the watch-cache service's (`--metrics-port`, plain HTTP) and the embedded server's (with the
 * bootstrap controller's repair counters). Every exposition must pass `promtool check metrics`
 * (Debian package `prometheus`); that assertion is skipped, with a message, when promtool is absent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credsFromKubeconfig, EmbeddedServer, startEmbedded } from '../../bench/proc';
import { ApiserverInstance, KUBERNEST_BIN, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';
import { startWatchCache, WatchCacheInstance } from '../harness/watch-cache';
import { startKonnectivityServer } from '../harness/konnectivity';

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const havePromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

let etcd: EtcdInstance;
let cache: WatchCacheInstance;
let cacheMetricsPort: number;
let server: ApiserverInstance;

beforeAll(async () => {
  etcd = await startEtcd();
  cacheMetricsPort = await freePort();
  cache = await startWatchCache(etcd, [`--metrics-port=${cacheMetricsPort}`]);
  server = await startApiserver({ etcd, extraArgs: [`--watch-cache-servers=${cache.address}`] });
});

afterAll(async () => {
  await server?.stop();
  await cache?.stop();
  await etcd?.stop();
});

/** `promtool check metrics` on `text`: its exit code and output */
function promtoolCheck(text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(text);
  });
}

async function expectPromtoolPasses(text: string): Promise<void> {
  if (!havePromtool) {
    console.warn(`SKIPPED promtool check: ${PROMTOOL} not found (install the Debian package "prometheus")`);
    return;
  }
  const r = await promtoolCheck(text);
  expect(r.output, 'promtool check metrics output').toBe('');
  expect(r.code).toBe(0);
}

/** one sample's value, or undefined */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

/** an admin watch that stays open until `close()` */
function openWatch(path: string): Promise<{ close(): void; received: () => string }> {
  const creds = credsFromKubeconfig(server.kubeconfig);
  return new Promise((resolve, reject) => {
    let received = '';
    const req = request(server.url + path, { ca: creds.ca, cert: creds.cert, key: creds.key }, (res) => {
      res.on('data', (d) => (received += d));
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy(), received: () => received });
    });
    req.on('error', (e) => (received ? undefined : reject(e)));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('/metrics', () => {
  it('is refused to anonymous clients', async () => {
    const r = await server.request('GET', '/metrics', { anonymous: true });
    expect(r.status).toBe(401);
  });

  it('serves request, watch and watch-cache metrics to the admin, valid for promtool', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'metrics-a', namespace: 'default' }, data: { a: '1' } };
    expect((await server.request('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(cm) })).status).toBe(201);
    expect((await server.request('GET', '/api/v1/namespaces/default/configmaps?resourceVersion=0')).status).toBe(200);
    const w = await openWatch('/api/v1/namespaces/default/configmaps?watch=true');
    let text = '';
    try {
      const deadline = Date.now() + 10_000;
      while (!w.received().includes('metrics-a') && Date.now() < deadline) await sleep(50);
      // a change while the watch is open: an event through etcd → watch cache → replica → client
      const b = { ...cm, metadata: { ...cm.metadata, name: 'metrics-b' } };
      expect((await server.request('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(b) })).status).toBe(201);
      while (!w.received().includes('metrics-b') && Date.now() < deadline) await sleep(50);
      const r = await server.request('GET', '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe(CONTENT_TYPE);
      text = r.body;
      const gvk = { group: '', version: 'v1', kind: 'ConfigMap' };
      expect(sample(text, 'apiserver_registered_watchers', gvk)).toBe(1);
      expect(sample(text, 'apiserver_watch_events_total', gvk)).toBeGreaterThanOrEqual(2);
    } finally {
      w.close();
    }
    const post = { verb: 'POST', group: '', version: 'v1', resource: 'configmaps', scope: 'resource', component: 'apiserver', code: '201' };
    expect(sample(text, 'apiserver_request_total', post)).toBe(2);
    expect(sample(text, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', scope: 'namespace', code: '200' })).toBe(1);
    expect(sample(text, 'apiserver_request_duration_seconds_count', { verb: 'POST', resource: 'configmaps' })).toBe(2);
    expect(sample(text, 'apiserver_request_duration_seconds_bucket', { verb: 'POST', resource: 'configmaps', le: '60' })).toBe(2);
    expect(sample(text, 'apiserver_request_total', { verb: 'GET', subresource: '/metrics', code: '401' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_events_received_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_events_dispatched_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_initializations_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_resource_version', { resource: 'configmaps' })).toBeGreaterThan(0);
    expect(sample(text, 'apiserver_terminated_watchers_total', { resource: 'configmaps' })).toBe(0);
    expect(sample(text, 'kubernest_watch_cache_available')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    await expectPromtoolPasses(text);

    // the watcher is gone once the client went away
    const deadline = Date.now() + 5000;
    let after = 1;
    while (after !== 0 && Date.now() < deadline) {
      await sleep(100);
      after = sample((await server.request('GET', '/metrics')).body, 'apiserver_registered_watchers', { kind: 'ConfigMap' }) ?? -1;
    }
    expect(after).toBe(0);
  });

  it('reports in-flight and long-running requests, stored objects, etcd latency and response sizes', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'metrics-gauges', namespace: 'default' } };
    expect((await server.request('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify(cm) })).status).toBe(201);
    expect((await server.request('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    const watch = await openWatch('/api/v1/namespaces/default/configmaps?watch=true');
    try {
      await sleep(300);
      const text = (await server.request('GET', '/metrics')).body;
      // the /metrics request itself is a read-only request in flight
      expect(sample(text, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'apiserver_current_inflight_requests', { request_kind: 'mutating' })).toBe(0);
      expect(sample(text, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'configmaps', scope: 'namespace' })).toBe(1);
      expect(sample(text, 'apiserver_storage_objects', { resource: 'namespaces' })).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'etcd_request_duration_seconds_count', { operation: 'create', type: 'configmaps' })).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'apiserver_response_sizes_count', { verb: 'LIST', resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
      await expectPromtoolPasses(text);
    } finally {
      watch.close();
    }
  });

  it('the watch-cache service serves its metrics on --metrics-port', async () => {
    const res = await fetch(`http://127.0.0.1:${cacheMetricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(CONTENT_TYPE);
    const text = await res.text();
    expect(sample(text, 'kubernest_watch_cache_streams', { resource: 'configmaps' })).toBe(1); // the replica's one stream
    expect(sample(text, 'kubernest_watch_cache_dropped_streams_total', { resource: 'configmaps' })).toBe(0);
    expect(sample(text, 'apiserver_watch_cache_events_received_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_events_dispatched_total', { resource: 'configmaps' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'apiserver_watch_cache_resource_version', { resource: 'configmaps' })).toBeGreaterThan(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${cacheMetricsPort}/other`)).status).toBe(404);
    await expectPromtoolPasses(text);
  });

  it('the tunnel server serves its metrics on the health port, valid for promtool', async () => {
    const konn = await startKonnectivityServer(['--server-id=metrics']);
    try {
      const r = await konn.get('/metrics');
      expect(r.status).toBe(200);
      expect(r.body).toContain('konnectivity_network_proxy_server_');
      await expectPromtoolPasses(r.body);
    } finally {
      await konn.stop();
    }
  });

  it('the bootstrap controller serves its metrics on --metrics-port, valid for promtool', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [KUBERNEST_BIN, 'bootstrap-controller', `--etcd-servers=${etcd.endpoint}`, `--metrics-port=${port}`], { stdio: 'ignore' });
    try {
      let text = '';
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        if (res?.status === 200) {
          text = await res.text();
          if (text.includes('apiserver_clusterip_repair_reconcile_errors_total')) break;
        }
        await sleep(200);
      }
      expect(text).toContain('# TYPE apiserver_clusterip_repair_reconcile_errors_total counter');
      expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
      await expectPromtoolPasses(text);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  describe('embedded server', () => {
    let dir: string;
    let embedded: EmbeddedServer | undefined;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kubernest-metrics-'));
      embedded = await startEmbedded(dir);
    });
    afterAll(async () => {
      await embedded?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('includes the bootstrap controller and the in-process watch cache', async () => {
      const creds = credsFromKubeconfig(embedded!.kubeconfig);
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`${embedded!.url}/metrics`, { ca: creds.ca, cert: creds.cert, key: creds.key }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
        });
        req.on('error', reject);
        req.end();
      });
      expect(sample(text, 'apiserver_clusterip_repair_reconcile_errors_total')).toBe(0);
      expect(text).toContain('# TYPE apiserver_watch_cache_events_received_total counter');
      expect(text).toContain('# TYPE apiserver_request_duration_seconds histogram');
      await expectPromtoolPasses(text);
    });
  });
});
