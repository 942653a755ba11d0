/**
 * Watch fan-out: how well do Kubernest API replicas fed by one watch-cache service deliver a
 * stream of changes to many client watchers, compared with the same watchers opened on etcd?
 *
 * Starts etcd, one `kubernest watch-cache` and 3 API replicas (`--watch-cache-servers`), opens
 * BENCH_WATCHERS HTTPS watches on ConfigMaps of one namespace (spread round-robin over the
 * replicas, from the current resourceVersion: no initial events), then writes BENCH_RATE new
 * ConfigMaps per second for BENCH_SECONDS straight into etcd (the same puts for both rows).
 * The watches are held by BENCH_CLIENT_THREADS worker threads (bench/watch-client.ts: raw TLS
 * sockets, no JSON.parse per event, resume/relist when a watch ends).
 * Measures events delivered per second, delivery latency (etcd put acknowledged → event line
 * received by the client; the object name carries the write's index), the resident memory of the
 * replicas + watch cache per watcher, and checks that every watcher got every event exactly once,
 * in revision order. Then the baseline: the replicas and the watch cache are stopped, the same
 * number of etcd3 prefix watches (over BENCH_ETCD_CLIENTS clients, in the same client threads)
 * see the same number of writes. See bench/README.md.
 *
 * Environment: BENCH_WATCHERS (1000), BENCH_RATE (50 writes/s), BENCH_SECONDS (10),
 * BENCH_ETCD_CLIENTS (10), BENCH_CLIENT_THREADS (2), BENCH_DRAIN_MS (30000), BENCH_TIMEOUT_MS
 * (180000, the whole run). */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Etcd3 } from 'etcd3';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';
import { ApiserverInstance, REPO_ROOT, startApiserver } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { freePort } from '../test/harness/ports';
import { startWatchCache, WatchCacheInstance } from '../test/harness/watch-cache';
import { log, MiB, percentile, round, rssBytes, runBench, storedConfigMap } from './cluster';
import { Creds, credsFromKubeconfig, sleep } from './proc';
import { gitCommit, intEnv } from './util';
import { ClientJob, now, STAT_DELIVERED, STAT_DUPS, STAT_GAPS, STAT_RELISTS, STAT_RESUMES, STATS } from './watch-client';

const WATCHERS = intEnv('BENCH_WATCHERS', 1000, 1);
const RATE = intEnv('BENCH_RATE', 50, 1);
const SECONDS = intEnv('BENCH_SECONDS', 10, 1);
const ETCD_CLIENTS = intEnv('BENCH_ETCD_CLIENTS', 10, 1);
const DRAIN_MS = intEnv('BENCH_DRAIN_MS', 30_000, 1000);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 180_000, 10_000);
const THREADS = intEnv('BENCH_CLIENT_THREADS', 2, 1);
const REPLICAS = 3;
const EVENTS = RATE * SECONDS;
const NS = 'bench-fanout';
const DATA_BYTES = 200;

const state: { etcd?: EtcdInstance; cache?: WatchCacheInstance; replicas: ApiserverInstance[]; clients: Etcd3[]; closers: (() => void)[] } = {
  replicas: [],
  clients: [],
  closers: [],
};

/**
 * Bookkeeping shared with the client threads (bench/watch-client.ts): per (watcher, write) the
 * arrival time, per watcher the count, per thread the counters.
 */
class Tally {
  readonly arrivalBuf = new SharedArrayBuffer(WATCHERS * EVENTS * 8);
  readonly countBuf = new SharedArrayBuffer(WATCHERS * 4);
  readonly statsBuf = new SharedArrayBuffer(THREADS * STATS * 8);
  readonly arrival = new Float64Array(this.arrivalBuf).fill(NaN);
  readonly count = new Uint32Array(this.countBuf);
  private readonly stats = new Float64Array(this.statsBuf);
  stat(k: number): number {
    let n = 0;
    for (let t = 0; t < THREADS; t++) n += this.stats[t * STATS + k];
    return n;
  }
  get delivered(): number {
    return this.stat(STAT_DELIVERED);
  }
  get lastArrival(): number {
    let last = 0;
    for (const a of this.arrival) if (a > last) last = a;
    return last;
  }
  complete(): boolean {
    return this.delivered === WATCHERS * EVENTS;
  }
}

/** BENCH_CLIENT_THREADS worker threads, each with a contiguous range of the watchers */
class Clients {
  private readonly workers: Worker[] = [];
  constructor(
    readonly tally: Tally,
    job: Omit<ClientJob, 'from' | 'to' | 'thread' | 'arrival' | 'count' | 'stats' | 'events' | 'openConcurrency'>,
  ) {
    const per = Math.ceil(WATCHERS / THREADS);
    for (let t = 0; t < THREADS; t++) {
      const from = Math.min(t * per, WATCHERS);
      const to = Math.min(from + per, WATCHERS);
      const full: ClientJob = { ...job, from, to, thread: t, events: EVENTS, arrival: tally.arrivalBuf, count: tally.countBuf, stats: tally.statsBuf, openConcurrency: 64 };
      this.workers.push(new Worker(join(__dirname, 'watch-client.js'), { workerData: full }));
    }
    state.closers.push(() => this.stop());
  }
  /** every watch is open */
  ready(): Promise<void> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.on('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : m.error ? reject(new Error(m.error)) : undefined));
            w.on('error', reject);
            w.on('exit', (code) => reject(new Error(`client thread exited (${code})`)));
          }),
      ),
    ).then(() => undefined);
  }
  stop(): void {
    for (const w of this.workers) {
      w.postMessage({ stop: true });
      setTimeout(() => void w.terminate(), 1000).unref();
    }
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
  /** events a watcher saw after one with a higher revision (out of order) */
  gaps: number;
  /** watches that ended and were resumed from their last resourceVersion / relisted after an ERROR */
  resumes: number;
  relists: number;
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
  const start = now();
  const puts: Promise<void>[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const wait = start + i * interval - now();
    if (wait > 1) await sleep(wait);
    const name = `${tag}-${String(i).padStart(6, '0')}`;
    puts.push(
      client
        .put(`${prefix}${name}`)
        .value(storedConfigMap(NS, name, DATA_BYTES))
        .exec()
        .then(() => {
          ack[i] = now();
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
  const delivered = t.delivered;
  const lat = new Float64Array(delivered);
  let n = 0;
  for (let w = 0; w < WATCHERS; w++) {
    for (let i = 0; i < EVENTS; i++) {
      const a = t.arrival[w * EVENTS + i];
      if (!Number.isNaN(a) && n < lat.length) lat[n++] = a - ack[i];
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
    delivered,
    incompleteWatchers: incomplete,
    duplicates: t.stat(STAT_DUPS),
    gaps: t.stat(STAT_GAPS),
    resumes: t.stat(STAT_RESUMES),
    relists: t.stat(STAT_RELISTS),
    eventsPerSec: round(delivered / ((t.lastArrival - start) / 1000), 0),
    latencyMs: { p50: round(percentile(lat, 50)), p90: round(percentile(lat, 90)), p99: round(percentile(lat, 99)), max: round(lat.length ? lat[lat.length - 1] : NaN) },
    rssBeforeMiB: round(rssBefore / MiB, 1),
    rssAfterMiB: round(rssAfter / MiB, 1),
    rssPerWatcherKiB: round((rssAfter - rssBefore) / 1024 / WATCHERS, 1),
    setupMs: Math.round(setupMs),
  };
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
  const creds: Creds = credsFromKubeconfig(first.kubeconfig);
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
  t0 = performance.now();
  const clients = new Clients(tally, {
    kind: 'kube',
    tag: 'kube',
    replicas: state.replicas.map((r) => r.url),
    path: `/api/v1/namespaces/${NS}/configmaps?watch=true&timeoutSeconds=900&allowWatchBookmarks=true`,
    listPath: `/api/v1/namespaces/${NS}/configmaps`,
    resourceVersion: rv,
    creds: { ca: creds.ca, cert: creds.cert, key: creds.key },
  });
  await clients.ready();
  const setupMs = performance.now() - t0;
  log(`${WATCHERS} watches open on the replicas over ${THREADS} client threads (${Math.round(setupMs)} ms); writing ${EVENTS} ConfigMaps at ${RATE}/s`);
  const { ack, start } = await writeAtRate(client, `/registry/configmaps/${NS}/`, 'kube');
  await drain(tally);
  const rssAfter = sumRss(kubePids());
  const row = summarize('kubernest (3 replicas + watch-cache)', tally, ack, start, rssBefore, rssAfter, setupMs);
  if (row.relists > 0) {
    // why watches ended with ERROR: the replicas log a lost watch-cache stream
    for (const r of state.replicas) for (const l of r.logs().split('\n').filter((x) => /watch-cache|410/.test(x)).slice(-5)) log(`${r.url}: ${l}`);
  }
  const per = state.replicas.map((r) => `${round(rssBytes(r.process.pid) / MiB, 0)}`).join('+');
  log(`RSS replicas ${per} MiB, watch-cache ${round(rssBytes(cache.process.pid) / MiB, 0)} MiB`);
  clients.stop();
  state.closers = [];
  return row;
}

async function etcdRow(etcd: EtcdInstance, writer: Etcd3): Promise<RowResult> {
  const prefix = `/registry/configmaps/${NS}-etcd/`;
  const rev = Number((await writer.get('/bench-fanout-probe').exec()).header.revision);
  const rssBefore = rssBytes(etcd.pid);
  const tally = new Tally();
  const t0 = performance.now();
  const clients = new Clients(tally, {
    kind: 'etcd',
    tag: 'etcd',
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: prefix,
    startRevision: String(rev + 1),
    etcdClients: Math.max(1, Math.ceil(ETCD_CLIENTS / THREADS)),
  });
  await clients.ready();
  const setupMs = performance.now() - t0;
  log(`${WATCHERS} etcd3 prefix watches open over ${ETCD_CLIENTS} clients in ${THREADS} threads (${Math.round(setupMs)} ms); writing ${EVENTS} values at ${RATE}/s`);
  const { ack, start } = await writeAtRate(writer, prefix, 'etcd');
  await drain(tally);
  const rssAfter = rssBytes(etcd.pid);
  clients.stop();
  state.closers = [];
  return summarize('etcd (etcd3 prefix watches)', tally, ack, start, rssBefore, rssAfter, setupMs);
}

function table(rows: RowResult[]): string {
  const head = ['row', 'delivered', 'events/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'RSS before→after MiB', 'KiB/watcher', 'incomplete', 'dups', 'order', 'resumes', 'relists'];
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
    String(r.gaps),
    String(r.resumes),
    String(r.relists),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

async function main(): Promise<boolean> {
  log(`watchers=${WATCHERS} rate=${RATE}/s seconds=${SECONDS} events=${EVENTS} replicas=${REPLICAS} etcdClients=${ETCD_CLIENTS} clientThreads=${THREADS} timeout=${TIMEOUT_MS}ms`);
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
  const ok = [kube, base].every((x) => x.delivered === x.expectedDeliveries && x.incompleteWatchers === 0 && x.duplicates === 0 && x.gaps === 0);
  out.push(ok ? 'every watcher got every event exactly once, in order: PASS' : 'every watcher got every event exactly once, in order: FAIL');
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
        config: { watchers: WATCHERS, rate: RATE, seconds: SECONDS, events: EVENTS, replicas: REPLICAS, etcdClients: ETCD_CLIENTS, clientThreads: THREADS, dataBytes: DATA_BYTES },
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
