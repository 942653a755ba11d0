/**
 * The chaos suite (issue: operations), short form: the local HA cluster (`npm run cluster`,
 * deploy/local) under a steady mixed load through haproxy — creates, updates, lists, watches and
 * tunnel requests — while, in turn, an API replica, a watch-cache, a tunnel server, an etcd member
 * and Redis are killed with SIGKILL and restarted. It prints, per fault, the client-visible errors
 * by kind and the time until every kind succeeds again, and asserts: 0 acknowledged writes lost,
 * 0 watch events missed or duplicated (a 410 then a relist is allowed).
 *
 * Long form: CHAOS_DOWN_SECONDS (default 3) keeps each component down longer, CHAOS_ROUNDS
 * (default 1) repeats the five faults; e.g. `CHAOS_ROUNDS=5 CHAOS_DOWN_SECONDS=15 npx vitest run test/chaos`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killComponent, restartComponent } from '../../deploy/local/cluster';
import { REPO_ROOT } from '../harness/apiserver';
import { freePort } from '../harness/ports';
import { call, credsFrom, Creds } from './client';
import { Load, NS } from './load';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 1);
const DOWN_MS = Number(process.env.CHAOS_DOWN_SECONDS ?? 3) * 1000;
const KINDS = ['create', 'update', 'list', 'watch', 'tunnel'];

let dir = '';
let creds: Creds;
interface ClusterInfo {
  replicas: string[];
  watchCacheServers: string[];
  etcdServers: string[];
  redis: string;
  konnectivityServers: { healthPort: number }[];
}
let info: ClusterInfo;

function npmRun(script: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: REPO_ROOT, env: { ...process.env, KUBERNEST_CLUSTER_DIR: dir } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, output });
    });
  });
}

const tcpOpen = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function until(cond: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await cond()) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const hostPort = (url: string) => {
  const u = new URL(url.includes('://') ? url : `tcp://${url}`);
  return { host: u.hostname, port: Number(u.port) };
};

interface Fault {
  component: string;
  /** the restarted component serves again */
  ready(): Promise<boolean>;
}

function faults(): Fault[] {
  const replica = info.replicas[0];
  const wc = hostPort(info.watchCacheServers[0]);
  const etcd = info.etcdServers[1];
  const redis = hostPort(info.redis);
  const konn = info.konnectivityServers[0].healthPort;
  return [
    { component: 'apiserver-0', ready: async () => (await call({ ...creds, server: replica }, 'GET', '/readyz')).status === 200 },
    { component: 'watch-cache-0', ready: () => tcpOpen(wc.host, wc.port) },
    { component: 'konnectivity-server-0', ready: async () => (await fetch(`http://127.0.0.1:${konn}/readyz`)).status === 200 },
    { component: 'etcd-1', ready: async () => /"health":\s*"?true/.test(await (await fetch(`${etcd}/health`)).text()) },
    { component: 'redis', ready: () => tcpOpen(redis.host, redis.port) },
  ];
}

interface Row {
  fault: string;
  errors: Record<string, number>;
  recoverySeconds: number;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubernest-chaos-'));
  const [port, tunnelPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const r = await npmRun('cluster', [`--port=${port}`, `--tunnel-port=${tunnelPort}`, `--prometheus-port=${promPort}`, '--nodes=1', '--timeout=90'], 100_000);
  if (r.code !== 0) throw new Error(`npm run cluster failed (${r.code}):\n${r.output}`);
  creds = credsFrom(join(dir, 'admin.kubeconfig'));
  info = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterInfo;
}, 110_000);

afterAll(async () => {
  if (!dir) return;
  await npmRun('cluster:down', [], 40_000);
  await rm(dir, { recursive: true, force: true });
}, 50_000);

describe('chaos (short form)', () => {
  it(
    'kill -9 and restart each component under load: no acknowledged write lost, no silent watch gap',
    async () => {
      const load = new Load(creds, { writers: 2, watchers: 3, node: 'sim-0' });
      await load.start();
      // warm up: every kind succeeds once
      expect(await until(() => KINDS.every((k) => load.successes.has(k) || k === 'watch'), 30_000)).toBe(true);
      const rows: Row[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const f of faults()) {
          const t0 = Date.now();
          killComponent(dir, f.component);
          await new Promise((r) => setTimeout(r, DOWN_MS));
          const restartedAt = Date.now();
          restartComponent(dir, f.component);
          const ready = await until(f.ready, 45_000);
          expect(ready, `${f.component} serves again after its restart`).toBe(true);
          // recovered: every kind that failed during the fault has succeeded since the restart
          const failedKinds = () => new Set(load.failures.filter((x) => x.at >= t0).map((x) => x.kind));
          await until(() => [...failedKinds()].filter((k) => k !== 'watch').every((k) => (load.successes.get(k) ?? 0) > restartedAt), 45_000);
          await new Promise((r) => setTimeout(r, 1500));
          const window = load.failures.filter((x) => x.at >= t0);
          const errors: Record<string, number> = {};
          for (const k of KINDS) errors[k] = window.filter((x) => x.kind === k).length;
          const last = window.length > 0 ? Math.max(...window.map((x) => x.at)) : t0;
          rows.push({ fault: f.component, errors, recoverySeconds: Math.round((last - t0) / 100) / 10 });
        }
      }
      await load.stopWriting();
      await load.waitWatchersCaughtUp(30_000);

      // acknowledged writes: every acknowledged create is there, the counter is at least the last acknowledged value
      const list = await call(creds, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
      expect(list.status).toBe(200);
      const names = new Set((JSON.parse(list.body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name));
      const lost = [...load.acked.keys()].filter((n) => !names.has(n));
      const counter = await call(creds, 'GET', `/api/v1/namespaces/${NS}/configmaps/counter`);
      const n = Number((JSON.parse(counter.body) as { data: { n: string } }).data.n);
      const watches = load.watchAccounting();
      await load.stop();

      const pad = (s: string | number, w: number) => String(s).padEnd(w);
      const table = [
        `${pad('fault (SIGKILL, restart)', 26)}${KINDS.map((k) => pad(`${k} err`, 12)).join('')}recovery`,
        ...rows.map((r) => `${pad(r.fault, 26)}${KINDS.map((k) => pad(r.errors[k], 12)).join('')}${r.recoverySeconds}s`),
        '',
        `acknowledged creates: ${load.acked.size}, lost: ${lost.length}; counter acknowledged ${load.ackedCounter}, stored ${n}`,
        ...watches.map((w) => `watcher ${w.id}: missed ${w.missed}, duplicated ${w.duplicated}, resumed ${w.resumes}x, relisted after 410 ${w.relists}x`),
      ].join('\n');
      console.log(`\nchaos (rounds ${ROUNDS}, down ${DOWN_MS / 1000}s each)\n${table}\n`);

      expect(load.acked.size).toBeGreaterThan(20);
      expect(lost).toEqual([]);
      expect(n).toBeGreaterThanOrEqual(load.ackedCounter);
      for (const w of watches) {
        expect(w.missed, `watcher ${w.id} missed events`).toBe(0);
        expect(w.duplicated, `watcher ${w.id} duplicated events`).toBe(0);
      }
    },
    (120 + ROUNDS * 5 * (DOWN_MS / 1000 + 30)) * 1000,
  );
});
