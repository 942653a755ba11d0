/** Shared by the garbage collection e2e tests: a bootstrap controller process next to a replica, and etcdctl. */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { ApiserverInstance, kubectl, KUBERNEST_BIN, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';

export interface ControllerProcess {
  child: ChildProcess;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startController(etcdEndpoint: string, securePort: number, extra: string[] = []): ControllerProcess {
  let logs = '';
  const child = spawn(
    process.execPath,
    [KUBERNEST_BIN, 'bootstrap-controller', `--etcd-servers=${etcdEndpoint}`, `--secure-port=${securePort}`, '--repair-interval=10m', '--gc-scan-interval=1s', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => (logs += d));
  child.stderr?.on('data', (d) => (logs += d));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    child,
    logs: () => logs,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      process.off('exit', kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await new Promise((r) => {
        const t = setTimeout(() => r(child.kill('SIGKILL')), 5000);
        child.once('exit', () => r(clearTimeout(t)));
      });
    },
  };
}

export function etcdctlKeys(endpoint: string, prefix: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile('etcdctl', [`--endpoints=${endpoint}`, 'get', '--prefix', prefix, '--keys-only'], { env: { ...process.env, ETCDCTL_API: '3' } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.split('\n').filter((l) => l.trim() !== '')),
    ),
  );
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 30_000, logs: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** etcd, a replica on it and a bootstrap controller next to them; filled in by useControllerCluster's beforeAll. */
export interface ControllerCluster {
  etcd: EtcdInstance;
  server: ApiserverInstance;
  controller: ControllerProcess;
  /** kubectl 1.32 against the replica */
  k(args: string[], input?: string): ReturnType<typeof kubectl>;
}

/** Starts a ControllerCluster before the file's tests (the controller with `controllerArgs`) and stops it after them. */
export function useControllerCluster(controllerArgs: string[] = []): ControllerCluster {
  const c = { k: (args: string[], input?: string) => kubectl('1.32', c.server.kubeconfig, args, input) } as ControllerCluster;
  beforeAll(async () => {
    c.etcd = await startEtcd();
    c.server = await startApiserver({ etcd: c.etcd });
    c.controller = startController(c.etcd.endpoint, c.server.port, controllerArgs);
  }, 60_000);
  afterAll(async () => {
    await c.controller?.stop();
    await c.server?.stop();
    await c.etcd?.stop();
  });
  return c;
}
