/**
 * bench/ha: ConfigMap creates/s and GETs/s through a load balancer (Debian haproxy, TCP, TLS
 * passthrough, as deploy/local uses it) in front of 1 and of 3 API replicas on one etcd, with raw
 * etcd put/get measured in the same run as the baseline. Prints a table and the ratios, writes
 * bench/results/ha.json. On this 2-core machine the replicas share the CPU with etcd, haproxy and
 * the client, so 3 replicas show the load balancer's cost more than added capacity.
 *
 * Environment: BENCH_OPS (2000), BENCH_CONCURRENCY (32), BENCH_WARMUP (200), BENCH_TIMEOUT_MS (240000).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { haproxyConfig } from '../deploy/local/haproxy';
import { ensureCerts } from '../libs/pki/src';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';
import { REPO_ROOT } from '../test/harness/apiserver';
import { EtcdInstance, startEtcd } from '../test/harness/etcd';
import { freePort } from '../test/harness/ports';
import { configMapJson, KubeClient, measure, opName, ratio, ratioLine, Result, table } from './measure';
import { credsFromKubeconfig, KubernestProcess, probeStatus, sleep, spawnKubernest, stopProcess, waitReady } from './proc';
import { gitCommit, intEnv } from './util';

const OPS = intEnv('BENCH_OPS', 2000, 1);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 32, 1);
const WARMUP = intEnv('BENCH_WARMUP', 200, 0);
const TIMEOUT_MS = intEnv('BENCH_TIMEOUT_MS', 240_000, 1000);
const REPLICA_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
const CM_PATH = '/api/v1/namespaces/default/configmaps';

let aborted = false;

interface State {
  root?: string;
  etcd?: EtcdInstance;
  replicas: KubernestProcess[];
  haproxies: ChildProcess[];
  clients: KubeClient[];
  etcdClient?: Etcd3;
}

async function startHaproxy(root: string, name: string, port: number, replicaPort: number, replicas: string[]): Promise<ChildProcess> {
  const cfg = join(root, `${name}.cfg`);
  const config = haproxyConfig({
    bindAddress: '127.0.0.1',
    apiPort: port,
    apiservers: replicas.map((host, i) => ({ name: `apiserver-${i}`, host, port: replicaPort })),
    tunnelPort: await freePort(),
    konnectivityServers: [],
  });
  await writeFile(cfg, config);
  const child = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  while ((await probeStatus(`https://127.0.0.1:${port}/readyz`, 500)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not come up on port ${port}`);
    await sleep(100);
  }
  return child;
}

async function bench(s: State): Promise<boolean> {
  const log = (m: string) => process.stderr.write(`[bench:ha] ${m}\n`);
  log(`ops=${OPS} concurrency=${CONCURRENCY} warmup=${WARMUP}`);
  s.root = await mkdtemp(join(tmpdir(), 'kubernest-bench-ha-'));
  s.etcd = await startEtcd();
  const pki = join(s.root, 'pki');
  const certs = await ensureCerts(pki, { advertiseAddress: '127.0.0.1', extraSANs: REPLICA_IPS, server: 'https://127.0.0.1' });
  const replicaPort = await freePort();
  for (const ip of REPLICA_IPS) {
    s.replicas.push(
      spawnKubernest([
        'apiserver',
        `--etcd-servers=${s.etcd.endpoint}`,
        `--bind-address=${ip}`,
        `--advertise-address=${ip}`,
        `--secure-port=${replicaPort}`,
        `--tls-cert-file=${certs.servingCertPath}`,
        `--tls-private-key-file=${certs.servingKeyPath}`,
        `--client-ca-file=${certs.caCertPath}`,
        `--cert-dir=${pki}`,
      ]),
    );
  }
  await Promise.all(s.replicas.map((p, i) => waitReady(p, `https://${REPLICA_IPS[i]}:${replicaPort}`, { intervalMs: 100 })));
  log(`3 replicas ready on ${REPLICA_IPS.join(', ')}:${replicaPort}`);
  const [lb1Port, lb3Port] = [await freePort(), await freePort()];
  s.haproxies.push(await startHaproxy(s.root, 'haproxy-1', lb1Port, replicaPort, REPLICA_IPS.slice(0, 1)));
  s.haproxies.push(await startHaproxy(s.root, 'haproxy-3', lb3Port, replicaPort, REPLICA_IPS));
  log(`haproxy: 1 replica on :${lb1Port}, 3 replicas on :${lb3Port}`);

  const creds = credsFromKubeconfig(certs.adminKubeconfigPath);
  const lb1 = new KubeClient(`https://127.0.0.1:${lb1Port}`, creds, CONCURRENCY);
  const lb3 = new KubeClient(`https://127.0.0.1:${lb3Port}`, creds, CONCURRENCY);
  s.clients.push(lb1, lb3);
  const etcd = (s.etcdClient = new Etcd3({ hosts: s.etcd.endpoint, grpcOptions: DEFAULT_GRPC_OPTIONS }));
  const raw = configMapJson(opName('raw', 0));
  await etcd.put('/bench/get-target').value(raw);
  await lb1.call('POST', CM_PATH, 201, configMapJson('bench-get-target'));
  const run = (operation: string, count: number, op: (i: number) => Promise<void>) => measure(operation, count, CONCURRENCY, op, () => aborted);
  const create = (k: KubeClient, prefix: string) => async (i: number) => void (await k.call('POST', CM_PATH, 201, configMapJson(opName(prefix, i))));
  const get = (k: KubeClient) => async () => void (await k.call('GET', `${CM_PATH}/bench-get-target`, 200));
  const put = (prefix: string) => async (i: number) => void (await etcd.put(`/bench/${prefix}/${opName('k', i)}`).value(raw));
  const etcdGet = async () => {
    if ((await etcd.get('/bench/get-target').string()) === null) throw new Error('etcd get: key missing');
  };

  if (WARMUP > 0) {
    for (const w of [await run('warmup lb1', WARMUP, create(lb1, 'w1')), await run('warmup lb3', WARMUP, create(lb3, 'w3')), await run('warmup put', WARMUP, put('w'))]) {
      if (w.errors > 0) throw new Error(`${w.operation}: ${w.errors} errors, first: ${w.firstError}`);
    }
  }
  const results: Result[] = [
    await run('etcd put', OPS, put('run')),
    await run('etcd get', OPS, etcdGet),
    await run('lb → 1 replica create', OPS, create(lb1, 'one')),
    await run('lb → 1 replica get', OPS, get(lb1)),
    await run('lb → 3 replicas create', OPS, create(lb3, 'three')),
    await run('lb → 3 replicas get', OPS, get(lb3)),
  ];
  const [putR, getR, c1, g1, c3, g3] = results;
  const ratios = { create1: ratio(c1, putR), get1: ratio(g1, getR), create3: ratio(c3, putR), get3: ratio(g3, getR) };
  const out = [
    '',
    `Kubernest HA benchmark: ${OPS} ops per operation, concurrency ${CONCURRENCY}, haproxy (TCP, TLS passthrough) → 1 or 3 replicas → one etcd`,
    '',
    table(results),
    '',
    `${'vs raw etcd'.padEnd(26)}throughput   p50 latency   p99 latency`,
    ratioLine('lb→1 create / put', ratios.create1),
    ratioLine('lb→1 get / get', ratios.get1),
    ratioLine('lb→3 create / put', ratios.create3),
    ratioLine('lb→3 get / get', ratios.get3),
    `3 replicas vs 1: creates ${(c3.opsPerSec / c1.opsPerSec).toFixed(2)}x, gets ${(g3.opsPerSec / g1.opsPerSec).toFixed(2)}x (${cpus().length} CPUs shared by everything)`,
    '',
  ];
  process.stdout.write(out.join('\n'));
  await mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(REPO_ROOT, 'bench', 'results', 'ha.json'),
    JSON.stringify({ date: new Date().toISOString(), commit: gitCommit(), cpus: cpus().length, config: { ops: OPS, concurrency: CONCURRENCY, warmup: WARMUP }, results, ratios }, null, 2) + '\n',
  );
  return results.every((r) => r.errors === 0);
}

async function main(): Promise<number> {
  const s: State = { replicas: [], haproxies: [], clients: [] };
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      aborted = true;
      for (const c of s.clients) c.agent.destroy();
      s.etcdClient?.close();
      for (const h of s.haproxies) h.kill('SIGKILL');
      await Promise.all(s.replicas.map((p) => stopProcess(p.child)));
      await s.etcd?.stop().catch(() => undefined);
      if (s.root) await rm(s.root, { recursive: true, force: true }).catch(() => undefined);
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`bench:ha did not finish in ${TIMEOUT_MS} ms`)), TIMEOUT_MS)));
  const run = bench(s);
  run.catch(() => undefined);
  try {
    return (await Promise.race([run, timeout])) ? 0 : 1;
  } catch (e) {
    process.stderr.write(`[bench:ha] FAILED: ${(e as Error).message}\n`);
    for (const p of s.replicas) process.stderr.write(p.logs().slice(-1500));
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

void main().then((code) => process.exit(code));
