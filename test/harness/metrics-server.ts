/**
 * Starts `bin/kubernest metrics-server` (an aggregated API server for metrics.k8s.io) on a free
 * loopback port with its own kubeconfig; the CA of its generated serving certificate is in
 * `<certDir>/ca.crt` (for APIService.spec.caBundle).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNEST_BIN } from './apiserver';
import { waitFor } from './konnectivity';

export interface MetricsServerInstance {
  process: ChildProcess;
  port: number;
  caPem: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startMetricsServer(kubeconfig: string, certDir: string, extraArgs: string[] = []): Promise<MetricsServerInstance> {
  const child = spawn(
    process.execPath,
    [KUBERNEST_BIN, 'metrics-server', `--kubeconfig=${kubeconfig}`, '--secure-port=0', '--bind-address=127.0.0.1', `--cert-dir=${certDir}`, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out = (out + d).slice(-20000)));
  child.stderr?.on('data', (d) => (out = (out + d).slice(-20000)));
  process.once('exit', () => child.kill('SIGKILL'));
  const serving = /serving metrics\.k8s\.io\/v1beta1 on https:\/\/[^:]+:(\d+)/;
  await waitFor(() => serving.test(out) || child.exitCode !== null, 30_000, 'metrics-server start');
  if (child.exitCode !== null) throw new Error(`metrics-server exited:\n${out}`);
  return {
    process: child,
    port: Number(serving.exec(out)![1]),
    caPem: readFileSync(join(certDir, 'ca.crt'), 'utf8'),
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => (child.kill('SIGKILL'), r()), 5000);
        child.once('exit', () => (clearTimeout(t), r()));
      });
    },
  };
}
