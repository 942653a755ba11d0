/**
 * Starts a real redis-server (Debian `redis-server`) on a free loopback port in a temp dir, for
 * tests of queue and scheduling behaviour; never leaves one behind.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface RedisInstance {
  url: string;
  port: number;
  /** SIGKILL the server (data dir kept), for outage tests */
  kill(): Promise<void>;
  /** start it again on the same port after kill() */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const REDIS_BIN = process.env.REDIS_BIN ?? '/usr/bin/redis-server';
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

export async function startRedis(): Promise<RedisInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'kubernest-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(REDIS_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    running.add(c);
    child = c;
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (c.exitCode !== null) throw new Error(`redis-server exited with ${c.exitCode}`);
      if (Date.now() > deadline) throw new Error('redis-server did not answer in 10s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async () => {
    if (!child) return;
    child.kill('SIGKILL');
    await exited(child);
    running.delete(child);
    child = undefined;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
