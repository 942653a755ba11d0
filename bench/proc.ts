/**
 * Helpers shared by the benchmarks: spawning `bin/kubernest`, waiting for /readyz, stopping it
 * (SIGTERM, then SIGKILL), reading the admin credentials from a kubeconfig, and an embedded
 * `kubernest server` on a data dir.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KUBERNEST_BIN } from '../test/harness/apiserver';
import { freePort } from '../test/harness/ports';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every child still running; killed with SIGKILL if the benchmark process exits anyway. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export interface KubernestProcess {
  child: ChildProcess;
  /** process.hrtime.bigint() right before spawn() */
  spawnedAt: bigint;
  /** the last 20 kB of stdout + stderr */
  logs(): string;
  exited(): boolean;
}

/** Spawns `node bin/kubernest <args>` (the same Node as the benchmark). */
export function spawnKubernest(args: string[]): KubernestProcess {
  let output = '';
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [KUBERNEST_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', (e) => (output += `\nspawn error: ${e.message}\n`));
  const collect = (d: Buffer) => (output = (output + d.toString('utf8')).slice(-20000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    spawnedAt,
    logs: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
  };
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

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitExit(child, 5000);
}

/** One anonymous GET of `url` (server certificate not checked: it may not exist yet); the status, or 0 on any failure. */
export function probeStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number) => {
      if (!done) {
        done = true;
        resolve(status);
      }
    };
    const req = request(url, { method: 'GET', agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(0));
    req.end();
  });
}

export interface ReadyOptions {
  /** time between the starts of two probes (default 10 ms) */
  intervalMs?: number;
  /** timeout of one probe (default 500 ms) */
  probeTimeoutMs?: number;
  /** give up after this long (default 30 s) */
  deadlineMs?: number;
  /** checked between probes: stop waiting when it returns true */
  cancelled?: () => boolean;
}

export interface ReadyTimes {
  /** ms from the spawn to the first 200 from /readyz */
  readyMs: number;
  /** ms from the spawn to the first HTTP answer of any status (the port serves HTTPS) */
  firstAnswerMs: number;
}

/**
 * Polls `GET <baseUrl>/readyz` until it answers 200, one probe at a time, a new one every
 * `intervalMs`. Returns the milliseconds from the spawn to the 200 answer (and to the first
 * answer at all); throws when the process exits, the deadline passes or the wait is cancelled.
 */
export async function waitReady(proc: KubernestProcess, baseUrl: string, opts: ReadyOptions = {}): Promise<ReadyTimes> {
  const interval = opts.intervalMs ?? 10;
  const probeTimeout = opts.probeTimeoutMs ?? 500;
  const deadline = opts.deadlineMs ?? 30_000;
  const since = () => Number(process.hrtime.bigint() - proc.spawnedAt) / 1e6;
  let firstAnswerMs: number | undefined;
  for (;;) {
    const probeStart = since();
    const status = await probeStatus(`${baseUrl}/readyz`, probeTimeout);
    if (status !== 0) firstAnswerMs ??= since();
    if (status === 200) return { readyMs: since(), firstAnswerMs: firstAnswerMs ?? since() };
    if (proc.exited()) throw new Error(`kubernest exited (code ${proc.child.exitCode ?? proc.child.signalCode}) before /readyz answered 200:\n${proc.logs().slice(-2000)}`);
    if (opts.cancelled?.()) throw new Error('cancelled');
    if (since() > deadline) throw new Error(`/readyz did not answer 200 in ${deadline} ms (last status ${status || 'no answer'}):\n${proc.logs().slice(-2000)}`);
    const wait = probeStart + interval - since();
    if (wait > 0) await sleep(wait);
  }
}

export interface Creds {
  ca: string;
  cert: string;
  key: string;
}

/** The CA and admin client certificate and key of a kubeconfig written by Kubernest. */
export function credsFromKubeconfig(path: string): Creds {
  const kc = parseYaml(readFileSync(path, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
  };
  const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  return {
    ca: b(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b(kc.users[0].user['client-certificate-data']),
    key: b(kc.users[0].user['client-key-data']),
  };
}

export interface EmbeddedServer {
  url: string;
  dataDir: string;
  /** DIR/admin.kubeconfig */
  kubeconfig: string;
  proc: KubernestProcess;
  /** ms from spawn to the first /readyz 200 */
  readyMs: number;
  stop(): Promise<void>;
}

/** Starts `kubernest server --data-dir <dataDir>` (embedded SQLite) on a free port and waits for /readyz. */
export async function startEmbedded(dataDir: string, opts: ReadyOptions & { extraArgs?: string[] } = {}): Promise<EmbeddedServer> {
  const port = await freePort();
  const proc = spawnKubernest(['server', `--data-dir=${dataDir}`, `--secure-port=${port}`, '--bind-address=127.0.0.1', ...(opts.extraArgs ?? [])]);
  const url = `https://127.0.0.1:${port}`;
  let readyMs: number;
  try {
    readyMs = (await waitReady(proc, url, { intervalMs: 50, ...opts })).readyMs;
  } catch (e) {
    await stopProcess(proc.child);
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return { url, dataDir, kubeconfig: join(dataDir, 'admin.kubeconfig'), proc, readyMs, stop: () => (stopped ??= stopProcess(proc.child)) };
}
