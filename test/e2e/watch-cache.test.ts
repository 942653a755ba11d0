/**
 * A replica started with --watch-cache-servers against two `kubernest watch-cache` processes:
 * kubectl watches see every change, across a crash of the watch cache the replica streams from;
 * with no watch cache left, reads come from etcd and /readyz reports `watch-cache`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, KUBECTL_DIR, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { startWatchCache, WatchCacheInstance } from '../harness/watch-cache';

const version = '1.33';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let etcd: EtcdInstance;
let caches: WatchCacheInstance[] = [];
let server: ApiserverInstance;

beforeAll(async () => {
  etcd = await startEtcd();
  caches = [await startWatchCache(etcd), await startWatchCache(etcd)];
  server = await startApiserver({ etcd, extraArgs: [`--watch-cache-servers=${caches.map((c) => c.address).join(',')}`] });
});

afterAll(async () => {
  await server?.stop();
  for (const c of caches) await c.stop();
  await etcd?.stop();
});

async function etcdWatchers(): Promise<number> {
  const text = await (await fetch(`${etcd.endpoint}/metrics`)).text();
  const m = /^etcd_debugging_mvcc_watcher_total ([0-9]+)$/m.exec(text);
  return Number(m?.[1] ?? NaN);
}

describe('watch-cache e2e', () => {
  const ns = 'wc';
  const k = (...args: string[]) => kubectl(version, server.kubeconfig, args);

  it('reports the watch-cache readiness check', async () => {
    const r = await server.request('GET', '/readyz?verbose');
    expect(r.status, r.body).toBe(200);
    expect(r.body).toContain('[+]watch-cache ok');
  });

  it('kubectl get cm -w sees changes, across a crash of the watch cache in use', async () => {
    expect((await k('create', 'namespace', ns)).code).toBe(0);
    expect((await k('create', 'configmap', 'before', '-n', ns)).code).toBe(0);
    const bin = join(KUBECTL_DIR, `kubectl.${version}`);
    const child = spawn(bin, [`--kubeconfig=${server.kubeconfig}`, 'get', 'cm', '-n', ns, '-w', '-o', 'name'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const waitOut = async (s: string) => {
      const deadline = Date.now() + 15_000;
      while (!out.includes(s) && Date.now() < deadline) await sleep(100);
      expect(out).toContain(s);
    };
    try {
      await waitOut('configmap/before');
      expect((await k('create', 'configmap', 'during', '-n', ns)).code).toBe(0);
      await waitOut('configmap/during');
      const watchersBefore = await etcdWatchers();
      // the replica streams from the first server: crash it
      await caches[0].kill();
      for (let i = 0; i < 5; i++) expect((await k('create', 'configmap', `after-${i}`, '-n', ns)).code).toBe(0);
      for (let i = 0; i < 5; i++) await waitOut(`configmap/after-${i}`);
      expect(out).not.toMatch(/error|expired/i);
      // the watch did not end: every line once
      const lines = out.trim().split('\n');
      expect(lines.filter((l) => l === 'configmap/during')).toHaveLength(1);
      expect(child.exitCode).toBeNull();
      // the surviving cache already watched configmaps (warmed): no new etcd watcher for the replica
      expect(await etcdWatchers()).toBeLessThanOrEqual(watchersBefore);
    } finally {
      child.kill();
    }
  });

  it('reads from etcd and fails /readyz watch-cache when no watch cache is left', async () => {
    await caches[1].kill();
    const deadline = Date.now() + 15_000;
    let r = await server.request('GET', '/readyz?verbose');
    while (r.status === 200 && Date.now() < deadline) {
      await sleep(200);
      r = await server.request('GET', '/readyz?verbose');
    }
    expect(r.status).toBe(500);
    expect(r.body).toContain('[-]watch-cache failed');
    expect((await k('create', 'configmap', 'degraded', '-n', ns)).code).toBe(0);
    const g = await k('get', 'cm', '-n', ns, '-o', 'name');
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toContain('configmap/degraded');
    expect(g.stdout).toContain('configmap/after-4');
  });
});
