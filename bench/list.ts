/**
 * LIST latency: 10,000 ConfigMaps of 1 KiB (written straight into etcd in parallel transactions),
 * then BENCH_LISTS sequential LISTs of the whole namespace
 *   - raw etcd: one etcd3 range of the prefix (the floor);
 *   - a replica without the watch cache (every LIST is an etcd range + decode + encode);
 *   - a replica with the watch cache (`--watch-cache-servers`): a consistent LIST (rv unset:
 *     freshness handshake, then from memory) and `resourceVersion=0` (from memory as is),
 * all in the same run, against the same etcd. Prints p50/p99 and the ratios. See bench/README.md.
 *
 * Environment: BENCH_OBJECTS (10000), BENCH_OBJECT_BYTES (1024), BENCH_LISTS (20),
 * BENCH_TIMEOUT_MS (180000, the whole run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';
import { ApiserverInstance, REPO_ROOT, startApiserver } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { startWatchCache, WatchCacheInstance } from '../test/harness/watch-cache';
import { log, MiB, percentile, round, runBench, storedConfigMap } from './cluster';
import { Creds, credsFromKubeconfig } from './proc';
import { gitCommit, intEnv } from './util';

const OBJECTS = intEnv('BENCH_OBJECTS', 10_000, 1);
const OBJECT_BYTES = intEnv('BENCH_OBJECT_BYTES', 1024, 1);
const LISTS = intEnv('BENCH_LISTS', 20, 1);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 180_000, 10_000);
const WARMUP = 2;
const NS = 'bench-list';
const PREFIX = `/registry/configmaps/${NS}/`;
/** puts per etcd transaction (etcd's default --max-txn-ops is 128) and transactions in flight */
const TXN_OPS = 100;
const TXN_PARALLEL = 8;

const state: { etcd?: EtcdInstance; cache?: WatchCacheInstance; replicas: ApiserverInstance[]; client?: Etcd3 } = { replicas: [] };

interface Row {
  row: string;
  lists: number;
  items: number;
  bytes: number;
  latencyMs: { p50: number; p99: number; min: number; max: number; mean: number };
}

async function measure(row: string, once: () => Promise<{ items: number; bytes: number }>): Promise<Row> {
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  let last = { items: 0, bytes: 0 };
  for (let i = 0; i < LISTS; i++) {
    const t = performance.now();
    last = await once();
    times.push(performance.now() - t);
    if (last.items !== OBJECTS) throw new Error(`${row}: listed ${last.items} items, expected ${OBJECTS}`);
  }
  times.sort((a, b) => a - b);
  const r: Row = {
    row,
    lists: LISTS,
    items: last.items,
    bytes: last.bytes,
    latencyMs: {
      p50: round(percentile(times, 50)),
      p99: round(percentile(times, 99)),
      min: round(times[0]),
      max: round(times[times.length - 1]),
      mean: round(times.reduce((s, x) => s + x, 0) / times.length),
    },
  };
  log(`${row}: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms (${round(r.bytes / MiB, 1)} MiB)`);
  return r;
}

/** GET path with the admin cert; resolves with the item count (counted once per response) and size */
function kubeList(url: string, path: string, agent: Agent, creds: Creds): Promise<{ items: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { agent, ca: creds.ca, cert: creds.cert, key: creds.key, headers: { Accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200) return reject(new Error(`GET ${path}: ${res.statusCode} ${body.toString('utf8', 0, 300)}`));
        // count items cheaply: one "kind":"ConfigMap"-less item per metadata.uid
        let items = 0;
        for (let i = body.indexOf('"uid":'); i >= 0; i = body.indexOf('"uid":', i + 6)) items++;
        resolve({ items, bytes: body.length });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function populate(client: Etcd3): Promise<void> {
  const t = Date.now();
  const batches: number[][] = [];
  for (let i = 0; i < OBJECTS; i += TXN_OPS) batches.push(Array.from({ length: Math.min(TXN_OPS, OBJECTS - i) }, (_, k) => i + k));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++];
      const value = (name: string) => storedConfigMap(NS, name, Math.max(0, OBJECT_BYTES - storedConfigMap(NS, name, 0).length));
      await client.kv.txn({
        success: b.map((i) => {
          const name = `cm-${String(i).padStart(6, '0')}`;
          return { request_put: { key: Buffer.from(PREFIX + name), value: Buffer.from(value(name)) } };
        }),
      });
    }
  };
  await Promise.all(Array.from({ length: TXN_PARALLEL }, worker));
  log(`${OBJECTS} ConfigMaps (~${OBJECT_BYTES} B each as stored) written into etcd in ${Date.now() - t} ms`);
}

async function main(): Promise<boolean> {
  log(`objects=${OBJECTS} objectBytes=${OBJECT_BYTES} lists=${LISTS} (after ${WARMUP} warm-up) timeout=${TIMEOUT_MS}ms`);
  const etcd = (state.etcd = await startEtcd());
  const client = (state.client = new Etcd3({ hosts: etcd.endpoint, grpcOptions: DEFAULT_GRPC_OPTIONS }));
  await populate(client);
  let t = Date.now();
  const cache = (state.cache = await startWatchCache(etcd));
  const cached = await startApiserver({ etcd, extraArgs: [`--watch-cache-servers=${cache.address}`] });
  state.replicas.push(cached);
  const plain = await startApiserver({ etcd, certDir: cached.certDir });
  state.replicas.push(plain);
  log(`watch-cache, a replica with it and a replica without it up (${Date.now() - t} ms)`);
  const creds = credsFromKubeconfig(cached.kubeconfig);
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: creds.ca });
  const path = `/api/v1/namespaces/${NS}/configmaps`;
  t = Date.now();
  await kubeList(cached.url, `${path}?resourceVersion=0`, agent, creds); // builds the caches (service + replica)
  log(`watch caches filled (${Date.now() - t} ms)`);

  const rows: Row[] = [];
  rows.push(
    await measure('etcd range (etcd3 getAll().prefix)', async () => {
      const kvs = await client.getAll().prefix(PREFIX).buffers();
      let bytes = 0;
      for (const v of Object.values(kvs)) bytes += v.length;
      return { items: Object.keys(kvs).length, bytes };
    }),
  );
  rows.push(await measure('replica without watch cache', () => kubeList(plain.url, path, agent, creds)));
  rows.push(await measure('replica with watch cache (rv unset)', () => kubeList(cached.url, path, agent, creds)));
  rows.push(await measure('replica with watch cache (rv=0)', () => kubeList(cached.url, `${path}?resourceVersion=0`, agent, creds)));
  agent.destroy();

  const [etcdRow, plainRow, cachedRow, cached0Row] = rows;
  const ratio = (a: Row, b: Row) => ({ p50: round(a.latencyMs.p50 / b.latencyMs.p50), p99: round(a.latencyMs.p99 / b.latencyMs.p99) });
  const ratios = {
    withoutCacheVsEtcd: ratio(plainRow, etcdRow),
    withCacheVsEtcd: ratio(cachedRow, etcdRow),
    withCacheRv0VsEtcd: ratio(cached0Row, etcdRow),
    withCacheVsWithout: ratio(cachedRow, plainRow),
  };
  const w = Math.max(...rows.map((r) => r.row.length));
  const out = [
    '',
    `LIST latency: ${OBJECTS} ConfigMaps of ~${OBJECT_BYTES} B in one namespace, ${LISTS} sequential lists per row`,
    '',
    `${'row'.padEnd(w)}  ${'p50 ms'.padStart(9)}  ${'p99 ms'.padStart(9)}  ${'mean ms'.padStart(9)}  ${'MiB'.padStart(6)}`,
    ...rows.map((r) => `${r.row.padEnd(w)}  ${String(r.latencyMs.p50).padStart(9)}  ${String(r.latencyMs.p99).padStart(9)}  ${String(r.latencyMs.mean).padStart(9)}  ${String(round(r.bytes / MiB, 1)).padStart(6)}`),
    '',
    `ratios (p50 / p99):`,
    `  without cache / etcd range   ${ratios.withoutCacheVsEtcd.p50}x / ${ratios.withoutCacheVsEtcd.p99}x`,
    `  with cache / etcd range      ${ratios.withCacheVsEtcd.p50}x / ${ratios.withCacheVsEtcd.p99}x`,
    `  with cache rv=0 / etcd range ${ratios.withCacheRv0VsEtcd.p50}x / ${ratios.withCacheRv0VsEtcd.p99}x`,
    `  with cache / without cache   ${ratios.withCacheVsWithout.p50}x / ${ratios.withCacheVsWithout.p99}x`,
  ];
  console.log(out.join('\n'));
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(REPO_ROOT, 'bench', 'results', 'list.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        commit: gitCommit(),
        node: process.version,
        cpus: cpus().length,
        memoryMiB: Math.round(totalmem() / MiB),
        config: { objects: OBJECTS, objectBytes: OBJECT_BYTES, lists: LISTS, warmup: WARMUP },
        results: rows,
        ratios,
      },
      null,
      2,
    )}\n`,
  );
  return true;
}

async function cleanup(): Promise<void> {
  state.client?.close();
  await Promise.all(state.replicas.map((r) => r.stop().catch(() => undefined)));
  await state.cache?.stop().catch(() => undefined);
  await state.etcd?.stop().catch(() => undefined);
}

runBench('list', TIMEOUT_MS, main, cleanup);
