/**
 * The embedded default: `npm start` (bin/kubernest server) with no etcd, kubectl against it,
 * SIGKILL, restart: every acknowledged object is back with the same resourceVersion, and a watch
 * resumed from the last resourceVersion sees the writes made after the restart with no gap.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, KUBERNEST_BIN, REPO_ROOT } from '../harness/apiserver';
import { freePort } from '../harness/ports';

let dataDir: string;
let port: number;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kubernest-embedded-'));
  port = await freePort();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) kill(c, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  // npm start runs node under a shell: signal the whole process group
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

let agentPort: number;

async function start(viaNpm: boolean): Promise<{ child: ChildProcess; output: () => string }> {
  agentPort ??= await freePort();
  const args = ['--data-dir', dataDir, '--secure-port', String(port), '--konnectivity-agent-port', String(agentPort)];
  const child = viaNpm
    ? spawn('npm', ['start', '--silent', '--', ...args], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [KUBERNEST_BIN, 'server', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!out.includes('admin kubeconfig:')) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out };
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

const kc = () => join(dataDir, 'admin.kubeconfig');
const k = (...args: string[]) => kubectl('1.32', kc(), args);

describe('embedded server', () => {
  it('npm start answers kubectl, prints the kubeconfig path, and keeps acknowledged writes across SIGKILL', async () => {
    const first = await start(true);
    expect(first.output()).toContain(`admin kubeconfig: ${kc()}`);
    expect((await stat(join(dataDir, 'state.db'))).isFile()).toBe(true);
    const ns = await k('get', 'ns');
    expect(ns.stdout).toMatch(/^default\s+Active/m);

    const rvs = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const c = await k('create', 'configmap', `cm${i}`, `--from-literal=i=${i}`, '-o', 'jsonpath={.metadata.resourceVersion}');
      expect(c.code, c.stderr).toBe(0);
      rvs.set(`cm${i}`, c.stdout);
    }
    const lastRv = [...rvs.values()].map(Number).sort((a, b) => b - a)[0];
    kill(first.child, 'SIGKILL');
    await stopped(first.child);

    const second = await start(false);
    const list = await k('get', 'configmaps', '-o', 'json');
    const items = (JSON.parse(list.stdout) as { items: { metadata: { name: string; resourceVersion: string } }[] }).items;
    for (const [name, rv] of rvs) {
      expect(items.find((i) => i.metadata.name === name)?.metadata.resourceVersion, name).toBe(rv);
    }

    // resume a watch from the last acknowledged revision: the new writes arrive, in order, none missing
    const watch = spawn(join('/usr/lib/google-cloud-sdk/bin', 'kubectl.1.32'), [
      '--kubeconfig',
      kc(),
      'get',
      '--raw',
      `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${lastRv}&timeoutSeconds=3`,
    ]);
    let streamed = '';
    watch.stdout.on('data', (d) => (streamed += d));
    for (let i = 20; i < 25; i++) await k('create', 'configmap', `cm${i}`);
    await new Promise((r) => watch.once('exit', r));
    const names = streamed
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } })
      .filter((e) => e.type === 'ADDED')
      .map((e) => e.object.metadata.name);
    expect(names).toEqual(['cm20', 'cm21', 'cm22', 'cm23', 'cm24']);
    kill(second.child, 'SIGTERM');
    await stopped(second.child);
  });

  it('says clearly when the port is taken or the data dir is unwritable', async () => {
    const running = await start(false);
    const clash = spawn(process.execPath, [KUBERNEST_BIN, 'server', '--data-dir', dataDir, '--secure-port', String(port)]);
    let err = '';
    clash.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => clash.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/^Error: /);
    expect(err).not.toContain('    at ');
    kill(running.child, 'SIGTERM');
    await stopped(running.child);

    const blocker = join(dataDir, 'not-a-dir');
    await writeFile(blocker, '');
    const bad = spawn(process.execPath, [KUBERNEST_BIN, 'server', '--data-dir', join(blocker, 'state'), '--secure-port', String(port)]);
    let badErr = '';
    bad.stderr.on('data', (d) => (badErr += d));
    expect(await new Promise((r) => bad.once('exit', r))).toBe(1);
    expect(badErr).toContain(`Error: data dir ${join(blocker, 'state')} is not writable: ENOTDIR`);
  });

  it('refuses, in one line, a data dir written by a newer version', async () => {
    const running = await start(false);
    kill(running.child, 'SIGTERM');
    await stopped(running.child);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    const db = new Database(join(dataDir, 'state.db'));
    db.prepare("UPDATE meta SET value = 99 WHERE key = 'schema_version'").run();
    db.close();
    const newer = spawn(process.execPath, [KUBERNEST_BIN, 'server', '--data-dir', dataDir, '--secure-port', String(port)]);
    let err = '';
    newer.stderr.on('data', (d) => (err += d));
    expect(await new Promise((r) => newer.once('exit', r))).toBe(1);
    expect(err).toContain('written by a newer Kubernest');
    expect(err).not.toContain('    at ');
    const restore = new Database(join(dataDir, 'state.db'));
    restore.prepare("UPDATE meta SET value = 1 WHERE key = 'schema_version'").run();
    restore.close();
  });

  it('reaches a simulated node through its built-in tunnel server', async () => {
    const running = await start(false);
    expect(running.output()).toContain(`tunnel server: node agents connect to 127.0.0.1:${agentPort}`);
    const sandbox = join(dataDir, 'sim');
    const sim = spawn(process.execPath, [KUBERNEST_BIN, 'kubelet-sim', `--kubeconfig=${kc()}`, '--nodes=1', '--base-port=0', `--sandbox-dir=${sandbox}`], {
      detached: true,
      stdio: 'ignore',
    });
    children.add(sim);
    const agent = spawn(
      process.execPath,
      [
        KUBERNEST_BIN,
        'konnectivity-agent',
        '--proxy-server-host=127.0.0.1',
        `--proxy-server-port=${agentPort}`,
        `--ca-cert=${join(dataDir, 'ca.crt')}`,
        '--agent-id=sim-agent',
        '--agent-identifiers=ipv4=127.0.0.1',
      ],
      { detached: true, stdio: 'ignore' },
    );
    children.add(agent);
    try {
      const deadline = Date.now() + 30_000;
      let healthz = '';
      while (Date.now() < deadline) {
        const r = await k('get', '--raw', '/api/v1/nodes/sim-0/proxy/healthz');
        healthz = r.stdout + r.stderr;
        if (r.code === 0 && r.stdout === 'ok') break;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(healthz).toBe('ok');
    } finally {
      kill(agent, 'SIGTERM');
      kill(sim, 'SIGTERM');
      kill(running.child, 'SIGTERM');
      await Promise.all([stopped(agent), stopped(sim), stopped(running.child)]);
    }
  });
});
