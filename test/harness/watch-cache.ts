/**
 * Starts a real `bin/kubernest watch-cache` process against an etcd, on a free loopback port,
 * for end-to-end tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { KUBERNEST_BIN } from './apiserver';
import { EtcdInstance } from './etcd';

export interface WatchCacheInstance {
  /** host:port for --watch-cache-servers */
  address: string;
  port: number;
  process: ChildProcess;
  logs(): string;
  /** SIGKILL (a crash) */
  kill(): Promise<void>;
  /** SIGTERM (graceful) */
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export async function startWatchCache(etcd: EtcdInstance, extraArgs: string[] = []): Promise<WatchCacheInstance> {
  const child = spawn(process.execPath, [KUBERNEST_BIN, 'watch-cache', `--etcd-servers=${etcd.endpoint}`, '--port=0', '--bind-address=127.0.0.1', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stderr?.on('data', (d) => (output = (output + d).slice(-20000)));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`watch-cache did not start in 30s:\n${output}`)), 30_000);
    child.stdout?.on('data', (d) => {
      output = (output + d).slice(-20000);
      const m = /serving gRPC on [^\s]*:([0-9]+)/.exec(output);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`watch-cache exited with ${code}:\n${output}`));
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    port,
    process: child,
    logs: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await waitExit(child, 5000);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 10_000);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await waitExit(child, 5000);
      }
    },
  };
}
