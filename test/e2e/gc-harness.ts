/** Shared by the garbage collection e2e tests: a bootstrap controller process next to a replica, and etcdctl. */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { KUBERNEST_BIN } from '../harness/apiserver';

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
