/**
 * `npm run cluster` / `npm run cluster:down` (deploy/local): the whole local HA Kubernest in a temp
 * KUBERNEST_CLUSTER_DIR on free ports with one simulated node; kubectl 1.32 through haproxy, one
 * API replica killed with SIGKILL while kubectl keeps working, then `cluster:down` leaves no process
 * from the pid files alive.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../deploy/local/processes';
import { kubectl, REPO_ROOT } from '../harness/apiserver';
import { freePort } from '../harness/ports';

let dir: string;
let prometheusURL = '';
let kubeconfig: string;
let upOutput = '';

function npmRun(script: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', script, '--', ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, env: { ...process.env, KUBERNEST_CLUSTER_DIR: dir }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code: number }).code) : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

function pids(): Map<string, number> {
  const d = join(dir, 'pids');
  const out = new Map<string, number>();
  if (!existsSync(d)) return out;
  for (const f of readdirSync(d)) if (f.endsWith('.pid')) out.set(f.slice(0, -4), Number(readFileSync(join(d, f), 'utf8').trim()));
  return out;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const k = (...args: string[]) => kubectl('1.32', kubeconfig, args);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubernest-cluster-'));
  const [port, tunnelPort, promPort] = [await freePort(), await freePort(), await freePort()];
  prometheusURL = `http://127.0.0.1:${promPort}`;
  const r = await npmRun('cluster', [`--port=${port}`, `--tunnel-port=${tunnelPort}`, `--prometheus-port=${promPort}`, '--nodes=1', '--timeout=75'], 85_000);
  upOutput = r.output;
  if (r.code !== 0) throw new Error(`npm run cluster failed (${r.code}):\n${r.output}`);
  kubeconfig = join(dir, 'admin.kubeconfig');
}, 90_000);

afterAll(async () => {
  if (!dir) return;
  // whatever happened above: nothing may stay behind
  await npmRun('cluster:down', [], 30_000);
  for (const pid of pids().values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await rm(dir, { recursive: true, force: true });
}, 40_000);

describe('npm run cluster (local HA)', () => {
  it('prints progress and the kubeconfig path, and writes a pid file per process', () => {
    expect(upOutput).toContain('etcd ready');
    expect(upOutput).toContain('haproxy ready');
    expect(upOutput).toContain(`kubeconfig: ${kubeconfig}`);
    expect(existsSync(kubeconfig)).toBe(true);
    const names = [...pids().keys()].sort();
    expect(names).toEqual(
      [
        'apiserver-0', 'apiserver-1', 'apiserver-2', 'bootstrap-controller', 'etcd-0', 'etcd-1', 'etcd-2', 'haproxy',
        'konnectivity-agent-0', 'konnectivity-server-0', 'konnectivity-server-1', 'kubelet-sim', 'prometheus', 'redis', 'watch-cache-0', 'watch-cache-1',
      ].sort(),
    );
    for (const [name, pid] of pids()) expect(isAlive(pid), name).toBe(true);
  });

  it('serves kubectl 1.32 through haproxy: namespaces, a ConfigMap, the 3 replicas in Endpoints kubernetes, the simulated node Ready', async () => {
    const ns = await k('get', 'ns', '-o', 'name');
    expect(ns.code, ns.stderr).toBe(0);
    expect(ns.stdout).toContain('namespace/default');
    expect(ns.stdout).toContain('namespace/kube-system');

    const cm = await k('create', 'configmap', 'cluster-test', '--from-literal=a=b');
    expect(cm.code, cm.stderr).toBe(0);
    expect(cm.stdout).toContain('configmap/cluster-test created');

    const ep = await k('get', 'endpoints', 'kubernetes', '-o', 'jsonpath={.subsets[*].addresses[*].ip}');
    expect(ep.code, ep.stderr).toBe(0);
    expect(ep.stdout.split(' ').sort()).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);

    const nodes = await k('get', 'nodes');
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/^sim-0\s+Ready\s/m);
  });

  it('runs a Prometheus that scrapes every component (replicas over TLS, watch caches, tunnel servers, bootstrap controller)', async () => {
    type Target = { labels: { job: string; instance: string }; health: string; lastError: string };
    let targets: Target[] = [];
    const want = { apiserver: 3, 'watch-cache': 2, 'konnectivity-server': 2, 'bootstrap-controller': 1 };
    await until(async () => {
      const res = await fetch(`${prometheusURL}/api/v1/targets?state=active`);
      targets = ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets;
      return Object.entries(want).every(([job, n]) => targets.filter((t) => t.labels.job === job && t.health === 'up').length === n);
    }, 30_000, `every target up: ${JSON.stringify(targets.map((t) => [t.labels.job, t.labels.instance, t.health, t.lastError]))}`);
    const q = await fetch(`${prometheusURL}/api/v1/query?query=${encodeURIComponent('sum(apiserver_request_total)')}`);
    const result = ((await q.json()) as { data: { result: { value: [number, string] }[] } }).data.result;
    expect(Number(result[0]?.value[1])).toBeGreaterThan(0);
  });

  it('keeps working through haproxy after one API replica is killed with SIGKILL', async () => {
    const pid = pids().get('apiserver-0')!;
    process.kill(pid, 'SIGKILL');
    await until(() => !isAlive(pid), 5000, 'apiserver-0 to die');
    // straight away: connections haproxy still sends to the dead replica are refused and redispatched
    for (let i = 0; i < 6; i++) {
      const r = await k('get', 'configmap', 'cluster-test', '-o', 'jsonpath={.data.a}');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('b');
    }
    const cm = await k('create', 'configmap', 'after-kill', '--from-literal=x=y');
    expect(cm.code, cm.stderr).toBe(0);
    // and the /readyz health check takes it out of the rotation
    await until(() => readFileSync(join(dir, 'logs', 'haproxy.log'), 'utf8').includes('apiserver-0 is DOWN'), 10_000, 'haproxy to mark apiserver-0 DOWN');
    const ns = await k('get', 'ns', 'default', '-o', 'name');
    expect(ns.code, ns.stderr).toBe(0);
  });

  it('npm run cluster:down stops every process from the pid files', async () => {
    const before = pids();
    expect(before.size).toBeGreaterThan(10);
    const r = await npmRun('cluster:down', [], 60_000);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/stopped \d+ process/);
    for (const [name, pid] of before) expect(isAlive(pid), `${name} (${pid}) still alive`).toBe(false);
    expect(pids().size).toBe(0);
  });
});
