/**
 * Starts a throwaway etcd (the Debian /usr/bin/etcd, 3.4) on free loopback ports in a temp dir,
 * for tests. Safe to use from test files running in parallel: every instance has its own ports
 * and data dir, and a start that loses a port race is retried on new ports.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface EtcdOptions {
  /** extra etcd flags, e.g. ['--experimental-watch-progress-notify-interval=1s'] */
  extraArgs?: string[];
  /** how long to wait for etcd to answer (default 30s) */
  startTimeoutMs?: number;
}

export interface EtcdInstance {
  /** client URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  dataDir: string;
  pid: number;
  /** kills etcd and removes its data dir */
  stop(): Promise<void>;
}

const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // never leave an etcd behind when the test process goes away
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if (!(await waitExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitExit(child, 5000);
    }
  }
  running.delete(child);
}

async function startOnce(opts: EtcdOptions): Promise<EtcdInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kubernest-etcd-'));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=default',
    `--data-dir=${join(dataDir, 'data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--initial-cluster-state=new',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=error',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  installExitHook();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });

  const cleanup = async () => {
    await kill(child);
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await cleanup();
      throw new Error(`etcd exited during startup (${spawnError?.message ?? `code ${child.exitCode}`}): ${stderr}`);
    }
    if (await healthy(endpoint)) break;
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(`etcd did not become healthy at ${endpoint}: ${stderr}`);
    }
    await sleep(50);
  }

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    dataDir,
    pid: child.pid ?? 0,
    stop: () => (stopped ??= cleanup()),
  };
}

/** Starts etcd and waits until it is healthy. */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdInstance> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      lastError = e;
      // most likely a port taken between freePort() and etcd's bind: try other ports
    }
  }
  throw lastError;
}
