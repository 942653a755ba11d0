/**
 * Watch fan-out: how well do Kubernest API replicas fed by one watch-cache service deliver a
 * stream of changes to many client watchers, compared with the same watchers opened on etcd?
 *
 * Starts etcd, one `kubernest watch-cache` and 3 API replicas (`--watch-cache-servers`), opens
 * BENCH_WATCHERS HTTPS watches on ConfigMaps of one namespace (spread round-robin over the
 * replicas, from the current resourceVersion: no initial events), then writes BENCH_RATE new
 * ConfigMaps per second for BENCH_SECONDS straight into etcd (the same puts for both rows).
 * Measures events delivered per second, delivery latency (etcd put acknowledged → event line
 * received by the client; the object name carries the write's index), the resident memory of the
 * replicas + watch cache per watcher, and checks that every watcher got every event exactly once.
 * Then the baseline: the replicas and the watch cache are stopped, the same number of etcd3 prefix
 * watches (over BENCH_ETCD_CLIENTS clients) see the same number of writes. See bench/README.md.
 *
 * Environment: BENCH_WATCHERS (1000), BENCH_RATE (50 writes/s), BENCH_SECONDS (10),
 * BENCH_ETCD_CLIENTS (10), BENCH_DRAIN_MS (30000), BENCH_TIMEOUT_MS (180000, the whole run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Etcd3, Watcher as EtcdWatcher } from 'etcd3';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';
import { ApiserverInstance, REPO_ROOT, startApiserver } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { freePort } from '../test/harness/ports';
import { startWatchCache, WatchCacheInstance } from '../test/harness/watch-cache';
import { log, MiB, percentile, round, rssBytes, runBench, storedConfigMap } from './cluster';
import { Creds, credsFromKubeconfig, sleep } from './proc';
import { gitCommit, intEnv } from './util';

const WATCHERS = intEnv('BENCH_WATCHERS', 1000, 1);
const RATE = intEnv('BENCH_RATE', 50, 1);
const SECONDS = intEnv('BENCH_SECONDS', 10, 1);
const ETCD_CLIENTS = intEnv('BENCH_ETCD_CLIENTS', 10, 1);
const DRAIN_MS = intEnv('BENCH_DRAIN_MS', 30_000, 1000);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 180_000, 10_000);
const REPLICAS = 3;
const EVENTS = RATE * SECONDS;
const NS = 'bench-fanout';
const DATA_BYTES = 200;

const state: { etcd?: EtcdInstance; cache?: WatchCacheInstance; replicas: ApiserverInstance[]; clients: Etcd3[]; closers: (() => void)[] } = {
  replicas: [],
  clients: [],
  closers: [],
};

/** per-watcher bookkeeping: which writes it saw and when (performance.now()) */
class Tally {
  readonly arrival: Float64Array;
  readonly count = new Uint32Array(WATCHERS);
  dups = 0;
  unknown = 0;
  delivered = 0;
  lastArrival = 0;
  constructor() {
    this.arrival = new Float64Array(WATCHERS * EVENTS).fill(NaN);
  }
  record(w: number, i: number, at: number): void {
    if (!(i >= 0 && i < EVENTS)) {
      this.unknown++;
      return;
    }
    const k = w * EVENTS + i;
    if (!Number.isNaN(this.arrival[k])) {
      this.dups++;
      return;
    }
    this.arrival[k] = at;
    this.count[w]++;
    this.delivered++;
    this.lastArrival = at;
  }
  complete(): boolean {
    return this.delivered === WATCHERS * EVENTS;
  }
}

interface RowResult {
  row: string;
  watchers: number;
  events: number;
  expectedDeliveries: number;
  delivered: number;
  incompleteWatchers: number;
  duplicates: number;
  eventsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  rssBeforeMiB: number;
  rssAfterMiB: number;
  rssPerWatcherKiB: number;
  setupMs: number;
}

/** Writes EVENTS new ConfigMaps into etcd at RATE/s; returns the ack time of each and when writing began. */
async function writeAtRate(client: Etcd3, prefix: string, tag: string): Promise<{ ack: Float64Array; start: number }> {
  const ack = new Float64Array(EVENTS).fill(NaN);
  const interval = 1000 / RATE;
  const start = performance.now();
  const puts: Promise<void>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await sleep(wait);
    const name = `${tag}-${String(i).padStart(6, '0')}`;
    puts.push(
      client
        .put(`${prefix}${name}`)
        .value(storedConfigMap(NS, name, DATA_BYTES))
        .exec()
        .then(() => {
          ack[i] = performance.now();
        }),
    );
  }
  await Promise.all(puts);
  return { ack, start };
}

async function drain(t: Tally): Promise<void> {
  const deadline = Date.now() + DRAIN_MS;
  while (!t.complete() && Date.now() < deadline) await sleep(50);
}

function summarize(row: string, t: Tally, ack: Float64Array, start: number, rssBefore: number, rssAfter: number, setupMs: number): RowResult {
  const lat = new Float64Array(t.delivered);
  let n = 0;
  for (let w = 0; w < WATCHERS; w++) {
    for (let i = 0; i < EVENTS; i++) {
      const a = t.arrival[w * EVENTS + i];
      if (!Number.isNaN(a)) lat[n++] = a - ack[i];
    }
  }
  lat.sort();
  let incomplete = 0;
  for (let w = 0; w < WATCHERS; w++) if (t.count[w] !== EVENTS) incomplete++;
  return {
    row,
    watchers: WATCHERS,
    events: EVENTS,
    expectedDeliveries: WATCHERS * EVENTS,
    delivered: t.delivered,
    incompleteWatchers: incomplete,
    duplicates: t.dups,
    eventsPerSec: round(t.delivered / ((t.lastArrival - start) / 1000), 0),
    latencyMs: { p50: round(percentile(lat, 50)), p90: round(percentile(lat, 90)), p99: round(percentile(lat, 99)), max: round(lat.length ? lat[lat.length - 1] : NaN) },
    rssBeforeMiB: round(rssBefore / MiB, 1),
    rssAfterMiB: round(rssAfter / MiB, 1),
    rssPerWatcherKiB: round((rssAfter - rssBefore) / 1024 / WATCHERS, 1),
    setupMs: Math.round(setupMs),
  };
}

/** One HTTPS watch; calls `onIndex` for every ADDED event of a `tag-NNNNNN` ConfigMap. */
function openKubeWatch(url: string, path: string, agent: Agent, creds: Creds, onIndex: (i: number, at: number) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const re = /"type":"ADDED","object":\{.*?"name":"[a-z]+-([0-9]{6})"/g;
    let rest = '';
    const req = request(url + path, { agent, ca: creds.ca, cert: creds.cert, key: creds.key, headers: { Accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        const text = rest + chunk;
        const nl = text.lastIndexOf('\n');
        if (nl < 0) {
          rest = text;
          return;
        }
        rest = text.slice(nl + 1);
        const lines = text.slice(0, nl);
        re.lastIndex = 0;
        for (let m = re.exec(lines); m; m = re.exec(lines)) onIndex(Number(m[1]), at);
      });
      res.on('error', () => undefined);
      resolve(() => req.destroy());
    });
    req.on('error', (e) => reject(e));
    req.end();
  });
}

async function inBatches<T>(n: number, batch: number, open: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => open(i + k)))));
  return out;
}

const kubePids = () => [...state.replicas.map((r) => r.process.pid), state.cache?.process.pid];
const sumRss = (pids: (number | undefined)[]) => pids.reduce<number>((s, p) => s + rssBytes(p), 0);

async function kubernestRow(etcd: EtcdInstance, client: Etcd3): Promise<RowResult> {
  let t0 = Date.now();
  const cache = (state.cache = await startWatchCache(etcd, [`--metrics-port=${await freePort()}`]));
  const args = [`--watch-cache-servers=${cache.address}`];
  const first = await startApiserver({ etcd, extraArgs: args });
  state.replicas.push(first);
  state.replicas.push(...(await Promise.all(Array.from({ length: REPLICAS - 1 }, () => startApiserver({ etcd, extraArgs: args, certDir: first.certDir })))));
  log(`watch-cache + ${REPLICAS} replicas up (${Date.now() - t0} ms)`);
  const creds = credsFromKubeconfig(first.kubeconfig);
  // warm every replica's cache of configmaps; take the starting resourceVersion
  let rv = '';
  for (const r of state.replicas) {
    const res = await r.request('GET', `/api/v1/namespaces/${NS}/configmaps`);
    if (res.status !== 200) throw new Error(`list on ${r.url}: ${res.status} ${res.body.slice(0, 200)}`);
    rv = res.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
  }
  await sleep(500);
  const rssBefore = sumRss(kubePids());
  const tally = new Tally();
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  t0 = performance.now();
  const closers = await inBatches(WATCHERS, 100, (w) => {
    const r = state.replicas[w % REPLICAS];
    return openKubeWatch(r.url, `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${rv}&timeoutSeconds=900`, agent, creds, (i, at) => tally.record(w, i, at));
  });
  state.closers.push(...closers);
  const setupMs = performance.now() - t0;
  log(`${WATCHERS} watches open on the replicas (${Math.round(setupMs)} ms); writing ${EVENTS} ConfigMaps at ${RATE}/s`);
  const { ack, start } = await writeAtRate(client, `/registry/configmaps/${NS}/`, 'kube');
  await drain(tally);
  const rssAfter = sumRss(kubePids());
  const row = summarize('kubernest (3 replicas + watch-cache)', tally, ack, start, rssBefore, rssAfter, setupMs);
  const per = state.replicas.map((r) => `${round(rssBytes(r.process.pid) / MiB, 0)}`).join('+');
  log(`RSS replicas ${per} MiB, watch-cache ${round(rssBytes(cache.process.pid) / MiB, 0)} MiB`);
  for (const c of closers) c();
  state.closers = [];
  agent.destroy();
  return row;
}

async function etcdRow(etcd: EtcdInstance, writer: Etcd3): Promise<RowResult> {
  const prefix = `/registry/configmaps/${NS}-etcd/`;
  const clients = Array.from({ length: Math.min(ETCD_CLIENTS, WATCHERS) }, () => new Etcd3({ hosts: etcd.endpoint, grpcOptions: DEFAULT_GRPC_OPTIONS }));
  state.clients.push(...clients);
  const rev = Number((await writer.get('/bench-fanout-probe').exec()).header.revision);
  const rssBefore = rssBytes(etcd.pid);
  const tally = new Tally();
  const t0 = performance.now();
  const watchers: EtcdWatcher[] = await inBatches(WATCHERS, 200, (w) => {
    const c = clients[w % clients.length];
    return c
      .watch()
      .prefix(prefix)
      .startRevision(String(rev + 1))
      .create()
      .then((watcher) => {
        watcher.on('put', (kv) => {
          const key = kv.key.toString();
          tally.record(w, Number(key.slice(-6)), performance.now());
        });
        return watcher;
      });
  });
  const setupMs = performance.now() - t0;
  log(`${WATCHERS} etcd3 prefix watches open over ${clients.length} clients (${Math.round(setupMs)} ms); writing ${EVENTS} values at ${RATE}/s`);
  const { ack, start } = await writeAtRate(writer, prefix, 'etcd');
  await drain(tally);
  const rssAfter = rssBytes(etcd.pid);
  await Promise.all(watchers.map((w) => w.cancel().catch(() => undefined)));
  return summarize('etcd (etcd3 prefix watches)', tally, ack, start, rssBefore, rssAfter, setupMs);
}

function table(rows: RowResult[]): string {
  const head = ['row', 'delivered', 'events/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'RSS before→after MiB', 'KiB/watcher', 'incomplete', 'dups'];
  const body = rows.map((r) => [
    r.row,
    `${r.delivered}/${r.expectedDeliveries}`,
    String(r.eventsPerSec),
    String(r.latencyMs.p50),
    String(r.latencyMs.p90),
    String(r.latencyMs.p99),
    String(r.latencyMs.max),
    `${r.rssBeforeMiB}→${r.rssAfterMiB}`,
    String(r.rssPerWatcherKiB),
    String(r.incompleteWatchers),
    String(r.duplicates),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

async function main(): Promise<boolean> {
  log(`watchers=${WATCHERS} rate=${RATE}/s seconds=${SECONDS} events=${EVENTS} replicas=${REPLICAS} etcdClients=${ETCD_CLIENTS} timeout=${TIMEOUT_MS}ms`);
  const etcd = (state.etcd = await startEtcd());
  const writer = new Etcd3({ hosts: etcd.endpoint, grpcOptions: DEFAULT_GRPC_OPTIONS });
  state.clients.push(writer);
  const kube = await kubernestRow(etcd, writer);
  // the baseline runs alone: stop the replicas and the watch cache first
  await Promise.all(state.replicas.map((r) => r.stop()));
  state.replicas = [];
  await state.cache?.stop();
  state.cache = undefined;
  const base = await etcdRow(etcd, writer);

  const r = (a: number, b: number) => (b ? round(a / b, 2) : NaN);
  const out = [
    '',
    `Watch fan-out: ${WATCHERS} watchers, ${EVENTS} writes (${RATE}/s for ${SECONDS} s), ${DATA_BYTES}-byte ConfigMaps`,
    '',
    table([kube, base]),
    '',
    `kubernest / etcd: events/s ${r(kube.eventsPerSec, base.eventsPerSec)}x, p50 latency ${r(kube.latencyMs.p50, base.latencyMs.p50)}x, p99 latency ${r(kube.latencyMs.p99, base.latencyMs.p99)}x, memory per watcher ${r(kube.rssPerWatcherKiB, base.rssPerWatcherKiB)}x`,
    `(latency = etcd put acknowledged → event line at the client; memory = RSS growth of the serving processes (replicas + watch-cache, or etcd) from before the watches opened to after the writes, per watcher)`,
  ];
  const ok = [kube, base].every((x) => x.delivered === x.expectedDeliveries && x.incompleteWatchers === 0 && x.duplicates === 0);
  out.push(ok ? 'every watcher got every event exactly once: PASS' : 'every watcher got every event exactly once: FAIL');
  console.log(out.join('\n'));
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(REPO_ROOT, 'bench', 'results', 'watch-fanout.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        commit: gitCommit(),
        node: process.version,
        cpus: cpus().length,
        memoryMiB: Math.round(totalmem() / MiB),
        config: { watchers: WATCHERS, rate: RATE, seconds: SECONDS, events: EVENTS, replicas: REPLICAS, etcdClients: ETCD_CLIENTS, dataBytes: DATA_BYTES },
        results: [kube, base],
        ratios: {
          eventsPerSec: r(kube.eventsPerSec, base.eventsPerSec),
          p50Latency: r(kube.latencyMs.p50, base.latencyMs.p50),
          p99Latency: r(kube.latencyMs.p99, base.latencyMs.p99),
          memoryPerWatcher: r(kube.rssPerWatcherKiB, base.rssPerWatcherKiB),
        },
        pass: ok,
      },
      null,
      2,
    )}\n`,
  );
  return ok;
}

async function cleanup(): Promise<void> {
  for (const c of state.closers) c();
  for (const c of state.clients) c.close();
  await Promise.all(state.replicas.map((r) => r.stop().catch(() => undefined)));
  await state.cache?.stop().catch(() => undefined);
  await state.etcd?.stop().catch(() => undefined);
}

runBench('watch-fanout', TIMEOUT_MS, main, cleanup);
