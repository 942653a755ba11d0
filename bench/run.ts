/**
 * The first Kubernest benchmark: how much slower is a ConfigMap create / get through one Kubernest
 * API replica than the etcd put / get it boils down to? And through the embedded server (SQLite)?
 *
 * Starts its own etcd and one API replica (the compiled bin/kubernest, over TLS), then measures,
 * with the same op count and concurrency:
 *   - etcd put / etcd get: the raw etcd3 client (as the server uses it) on a ~300-byte JSON value;
 *   - kubernest create / kubernest get: POST and GET of a ConfigMap of about the same size, over
 *     keep-alive HTTPS with the admin client certificate, against the etcd-backed replica;
 *   - embedded create / embedded get: the same against `kubernest server --data-dir <tmp>` (the
 *     embedded SQLite store), started after the replica is stopped, with the admin certificate
 *     from <tmp>/admin.kubeconfig.
 * Prints a table and writes bench/results/latest.json. See bench/README.md.
 *
 * Environment: BENCH_OPS (2000), BENCH_CONCURRENCY (16), BENCH_WARMUP (200 per operation),
 * BENCH_TIMEOUT_MS (120000, the whole run including start-up).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';
import { ApiserverInstance, REPO_ROOT, startApiserver } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { Creds, credsFromKubeconfig, EmbeddedServer, startEmbedded } from './proc';
import { gitCommit, intEnv } from './util';
import { configMapJson as configMapOf, KubeClient, measure as measureOps, opName, ratio, ratioLine, Result, table } from './measure';

const OPS = intEnv('BENCH_OPS', 2000, 1);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 16, 1);
const WARMUP = intEnv('BENCH_WARMUP', 200, 0);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 120_000, 1000);
const VALUE_BYTES = 300;
const NAMESPACE = 'default';
const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** Set once the run is over (done, failed or timed out): workers stop picking up new ops. */
let aborted = false;

const configMapJson = (name: string) => configMapOf(name, NAMESPACE, VALUE_BYTES);
const measure = (operation: string, count: number, concurrency: number, op: (i: number) => Promise<void>) => measureOps(operation, count, concurrency, op, () => aborted);

interface BenchState {
  etcd?: EtcdInstance;
  api?: ApiserverInstance;
  client?: Etcd3;
  kube?: KubeClient;
  /** temp dir holding the embedded server's data dir */
  root?: string;
  embedded?: EmbeddedServer;
  embeddedKube?: KubeClient;
}

async function bench(state: BenchState): Promise<boolean> {
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
  log(`ops=${OPS} concurrency=${CONCURRENCY} warmup=${WARMUP} value=${VALUE_BYTES}B timeout=${TIMEOUT_MS}ms`);

  let t = Date.now();
  state.etcd = await startEtcd();
  log(`etcd up at ${state.etcd.endpoint} (${Date.now() - t} ms)`);
  t = Date.now();
  state.api = await startApiserver({ etcd: state.etcd });
  log(`kubernest up at ${state.api.url} (${Date.now() - t} ms)`);

  const client = (state.client = new Etcd3({ hosts: state.etcd.endpoint, grpcOptions: DEFAULT_GRPC_OPTIONS }));
  const kube = (state.kube = new KubeClient(state.api.url, credsFromKubeconfig(state.api.kubeconfig), CONCURRENCY));
  kube.countSockets();

  // the same ~300-byte JSON for etcd as the ConfigMap body posted to Kubernest
  const rawValue = configMapJson(opName('raw', 0));
  const getName = 'bench-get-target';
  const cmPath = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
  await client.put('/bench/get-target').value(rawValue);
  await kube.call('POST', cmPath, 201, configMapJson(getName));

  const ops = {
    etcdPut: (prefix: string) => async (i: number) => {
      await client.put(`/bench/${prefix}/${opName('k', i)}`).value(rawValue);
    },
    etcdGet: async () => {
      const v = await client.get('/bench/get-target').string();
      if (v === null) throw new Error('etcd get: key missing');
    },
    kubeCreate: (k: KubeClient, prefix: string) => async (i: number) => {
      await k.call('POST', cmPath, 201, configMapJson(opName(prefix, i)));
    },
    kubeGet: (k: KubeClient) => async () => {
      await k.call('GET', `${cmPath}/${getName}`, 200);
    },
  };
  const checkWarmup = (warm: Result[]) => {
    for (const w of warm) if (w.errors > 0) throw new Error(`${w.operation}: ${w.errors} errors, first: ${w.firstError}`);
  };

  if (WARMUP > 0) {
    t = Date.now();
    checkWarmup([
      await measure('warmup etcd put', WARMUP, CONCURRENCY, ops.etcdPut('warmup')),
      await measure('warmup etcd get', WARMUP, CONCURRENCY, ops.etcdGet),
      await measure('warmup kubernest create', WARMUP, CONCURRENCY, ops.kubeCreate(kube, 'warmup')),
      await measure('warmup kubernest get', WARMUP, CONCURRENCY, ops.kubeGet(kube)),
    ]);
    log(`warmed up (${Date.now() - t} ms)`);
  }

  const etcdPut = await measure('etcd put', OPS, CONCURRENCY, ops.etcdPut('run'));
  const etcdGet = await measure('etcd get', OPS, CONCURRENCY, ops.etcdGet);
  const kubeCreate = await measure('kubernest create', OPS, CONCURRENCY, ops.kubeCreate(kube, 'bench'));
  const kubeGet = await measure('kubernest get', OPS, CONCURRENCY, ops.kubeGet(kube));

  // what the server actually stores for a ConfigMap (it adds uid, timestamps, managedFields...)
  const stored = await client.getAll().prefix(`/registry/configmaps/${NAMESPACE}/${getName}`).strings();
  const storedBytes = Object.values(stored)[0]?.length;

  // The embedded server, alone: the replica is stopped first so it takes no CPU (etcd stays up,
  // idle, for the raw rows' sake). Same workload, same client, its own admin certificate.
  kube.agent.destroy();
  await state.api.stop();
  state.root = await mkdtemp(join(tmpdir(), 'kubernest-bench-embedded-'));
  t = Date.now();
  state.embedded = await startEmbedded(join(state.root, 'data'));
  log(`embedded kubernest up at ${state.embedded.url} (${Date.now() - t} ms, data dir ${state.embedded.dataDir})`);
  const ekube = (state.embeddedKube = new KubeClient(state.embedded.url, credsFromKubeconfig(state.embedded.kubeconfig), CONCURRENCY));
  ekube.countSockets();
  await ekube.call('POST', cmPath, 201, configMapJson(getName));
  if (WARMUP > 0) {
    t = Date.now();
    checkWarmup([
      await measure('warmup embedded create', WARMUP, CONCURRENCY, ops.kubeCreate(ekube, 'warmup')),
      await measure('warmup embedded get', WARMUP, CONCURRENCY, ops.kubeGet(ekube)),
    ]);
    log(`embedded warmed up (${Date.now() - t} ms)`);
  }
  const embCreate = await measure('embedded create', OPS, CONCURRENCY, ops.kubeCreate(ekube, 'bench'));
  const embGet = await measure('embedded get', OPS, CONCURRENCY, ops.kubeGet(ekube));

  const results = [etcdPut, etcdGet, kubeCreate, kubeGet, embCreate, embGet];
  const ratios = {
    create: ratio(kubeCreate, etcdPut),
    get: ratio(kubeGet, etcdGet),
    embeddedCreate: ratio(embCreate, etcdPut),
    embeddedGet: ratio(embGet, etcdGet),
  };

  const out: string[] = [];
  out.push('');
  out.push(`Kubernest benchmark: ${OPS} ops per operation, concurrency ${CONCURRENCY}, ${VALUE_BYTES}-byte JSON values (warm-up ${WARMUP})`);
  out.push(`(kubernest = one API replica over etcd; embedded = \`kubernest server\` over its SQLite store)`);
  out.push('');
  out.push(table(results));
  out.push('');
  out.push(`${'vs raw etcd'.padEnd(26)}throughput   p50 latency   p99 latency`);
  out.push(ratioLine('kubernest create / put', ratios.create));
  out.push(ratioLine('kubernest get / get', ratios.get));
  out.push(ratioLine('embedded create / put', ratios.embeddedCreate));
  out.push(ratioLine('embedded get / get', ratios.embeddedGet));
  out.push('');
  out.push(`(throughput < 1 = share of raw etcd's ops/s Kubernest keeps; latency > 1 = times slower)`);
  out.push(`TLS connections opened: ${kube.socketsOpened} to the replica, ${ekube.socketsOpened} to embedded (keep-alive, max ${CONCURRENCY} each)`);
  if (storedBytes !== undefined) out.push(`A ConfigMap as Kubernest stores it in etcd: ${storedBytes} bytes (posted body: ${VALUE_BYTES})`);
  out.push('');
  process.stdout.write(out.join('\n'));

  const report = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryBytes: totalmem(),
    config: { ops: OPS, concurrency: CONCURRENCY, warmup: WARMUP, valueBytes: VALUE_BYTES, storedConfigMapBytes: storedBytes },
    results,
    ratios,
    kubernestConnections: kube.socketsOpened,
    embeddedConnections: ekube.socketsOpened,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, 'latest.json');
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  log(`results written to ${file}`);

  const failed = results.filter((r) => r.errors > 0);
  for (const r of failed) log(`${r.operation}: ${r.errors} errors, first: ${r.firstError}`);
  return failed.length === 0;
}

async function main(): Promise<number> {
  const state: BenchState = {};
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      aborted = true;
      state.kube?.agent.destroy();
      state.embeddedKube?.agent.destroy();
      try {
        state.client?.close();
      } catch {
        // closing is best effort
      }
      // the apiserver first (it holds etcd connections), then etcd; each stop is itself bounded
      await state.api?.stop().catch((e) => process.stderr.write(`[bench] stopping kubernest: ${e}\n`));
      await state.embedded?.stop().catch((e) => process.stderr.write(`[bench] stopping embedded kubernest: ${e}\n`));
      await state.etcd?.stop().catch((e) => process.stderr.write(`[bench] stopping etcd: ${e}\n`));
      if (state.root) await rm(state.root, { recursive: true, force: true }).catch(() => undefined);
    })());

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`[bench] ${sig}: stopping\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`benchmark did not finish in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  const run = bench(state);
  run.catch(() => undefined); // a rejection after the timeout won is reported there, not unhandled
  try {
    return (await Promise.race([run, timeout])) ? 0 : 1;
  } catch (e) {
    process.stderr.write(`[bench] FAILED: ${e instanceof Error ? e.message : String(e)}\n`);
    const logs = state.api?.logs();
    if (logs) process.stderr.write(`[bench] last kubernest output:\n${logs.slice(-3000)}\n`);
    const elogs = state.embedded?.proc.logs();
    if (elogs) process.stderr.write(`[bench] last embedded kubernest output:\n${elogs.slice(-3000)}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

void main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`[bench] ${e}\n`);
    process.exit(1);
  },
);
