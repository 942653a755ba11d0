/**
 * Detached processes of the local cluster: each one gets a log file `<dir>/logs/<name>.log` and a
 * pid file `<dir>/pids/<name>.pid` (the bare pid, so `kill $(cat …)` works). Next to the pid file,
 * `<name>.start` holds the process start time from /proc, so `down` never signals a process that
 * merely reuses an old pid.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** set once the process exited while this node process was still watching */
  exited?: { code: number | null; signal: NodeJS.Signals | null };
}

export const pidDir = (dir: string) => join(dir, 'pids');
export const logDir = (dir: string) => join(dir, 'logs');

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined when gone. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Alive = exists and is not a zombie (nobody may reap the detached children of a finished `up`). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Starts `command args` detached (own session), stdout+stderr appended to its log file. */
export function startDetached(dir: string, name: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ManagedProcess {
  mkdirSync(pidDir(dir), { recursive: true });
  mkdirSync(logDir(dir), { recursive: true });
  const logFile = join(logDir(dir), `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    writeFileSync(fd, `# ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], cwd: opts.cwd ?? dir, env: opts.env ?? process.env });
  } finally {
    closeSync(fd);
  }
  child.unref();
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${command})`);
  }
  const managed: ManagedProcess = { name, pid: child.pid, logFile, child };
  child.once('exit', (code, signal) => {
    managed.exited = { code, signal };
  });
  child.once('error', () => {
    managed.exited ??= { code: -1, signal: null };
  });
  writeFileSync(join(pidDir(dir), `${name}.pid`), `${child.pid}\n`);
  writeFileSync(join(pidDir(dir), `${name}.cmd.json`), `${JSON.stringify({ command, args, cwd: opts.cwd ?? dir })}\n`);
  const start = procStartTime(child.pid);
  if (start) writeFileSync(join(pidDir(dir), `${name}.start`), `${start}\n`);
  return managed;
}

export interface PidEntry {
  name: string;
  pid: number;
  /** the start time recorded at spawn, if any */
  startTime?: string;
}

/** Every pid file in the cluster dir. */
export function readPidFiles(dir: string): PidEntry[] {
  const d = pidDir(dir);
  if (!existsSync(d)) return [];
  const out: PidEntry[] = [];
  for (const f of readdirSync(d).sort()) {
    if (!f.endsWith('.pid')) continue;
    const name = f.slice(0, -4);
    const pid = Number(readFileSync(join(d, f), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) continue;
    let startTime: string | undefined;
    try {
      startTime = readFileSync(join(d, `${name}.start`), 'utf8').trim() || undefined;
    } catch {
      startTime = undefined;
    }
    out.push({ name, pid, startTime });
  }
  return out;
}

/** Alive and still the process we started (same start time, when it was recorded). */
export function isOurs(e: PidEntry): boolean {
  if (!isAlive(e.pid)) return false;
  return e.startTime === undefined || procStartTime(e.pid) === e.startTime;
}

/** How `name` was started (written next to its pid file), to restart it the same way. */
export function readCommand(dir: string, name: string): { command: string; args: string[]; cwd: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(pidDir(dir), `${name}.cmd.json`), 'utf8')) as { command: string; args: string[]; cwd: string };
  } catch {
    return undefined;
  }
}

export function removePidFile(dir: string, name: string): void {
  rmSync(join(pidDir(dir), `${name}.pid`), { force: true });
  rmSync(join(pidDir(dir), `${name}.start`), { force: true });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // each child leads its own process group (detached): signal the group, so helpers it spawned go too
  try {
    process.kill(-pid, sig);
    return;
  } catch {
    // not a group leader (any more): the process alone
  }
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * SIGTERM to every entry still ours, up to `graceMs` for them to exit, then SIGKILL (and up to 5 s
 * more). Returns the names that had to be killed and any that survived even that.
 */
export async function stopAll(entries: PidEntry[], graceMs = 5000): Promise<{ killed: string[]; survivors: string[] }> {
  const live = entries.filter(isOurs);
  for (const e of live) signal(e.pid, 'SIGTERM');
  let deadline = Date.now() + graceMs;
  while (live.some((e) => isAlive(e.pid)) && Date.now() < deadline) await sleep(50);
  const killed = live.filter((e) => isAlive(e.pid));
  for (const e of killed) signal(e.pid, 'SIGKILL');
  deadline = Date.now() + 5000;
  while (killed.some((e) => isAlive(e.pid)) && Date.now() < deadline) await sleep(50);
  return { killed: killed.map((e) => e.name), survivors: killed.filter((e) => isAlive(e.pid)).map((e) => e.name) };
}

/** The last `n` lines of a log file ('' when missing). */
export function tail(file: string, n = 20): string {
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '';
  }
}
