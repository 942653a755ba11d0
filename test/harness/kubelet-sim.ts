/**
 * Starts `bin/kubernest kubelet-sim` against an API server (its nodes' kubelet ports on loopback),
 * and writes the egress selector configuration that sends a replica's cluster traffic through a
 * konnectivity server — the shared setup of the tunnel end-to-end tests.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KUBERNEST_BIN } from './apiserver';
import { waitFor } from './konnectivity';

export interface KubeletSimInstance {
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s */
  stop(): Promise<void>;
}

export async function startKubeletSim(kubeconfig: string, opts: { nodes: number; sandboxDir: string; extraArgs?: string[] }): Promise<KubeletSimInstance> {
  const sim = spawn(
    process.execPath,
    [KUBERNEST_BIN, 'kubelet-sim', `--kubeconfig=${kubeconfig}`, `--nodes=${opts.nodes}`, '--base-port=0', `--sandbox-dir=${opts.sandboxDir}`, ...(opts.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  sim.stdout?.on('data', (d) => (out = (out + d).slice(-20000)));
  sim.stderr?.on('data', (d) => (out = (out + d).slice(-20000)));
  process.once('exit', () => sim.kill('SIGKILL'));
  const running = new RegExp(`running ${opts.nodes} node`);
  await waitFor(() => running.test(out) || sim.exitCode !== null, 30_000, 'kubelet-sim start');
  if (sim.exitCode !== null) throw new Error(`kubelet-sim exited:\n${out}`);
  return {
    process: sim,
    output: () => out,
    stop: async () => {
      if (sim.exitCode !== null) return;
      sim.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => (sim.kill('SIGKILL'), r()), 5000);
        sim.once('exit', () => (clearTimeout(t), r()));
      });
    },
  };
}

/** An EgressSelectorConfiguration file: `cluster` over GRPC to the konnectivity front end, `controlplane` direct. */
export function writeTunnelEgressConfig(dir: string, konnectivityServerPort: number): string {
  const file = join(dir, 'egress.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: apiserver.k8s.io/v1beta1',
      'kind: EgressSelectorConfiguration',
      'egressSelections:',
      '- name: cluster',
      '  connection:',
      '    proxyProtocol: GRPC',
      '    transport:',
      '      tcp:',
      `        url: http://127.0.0.1:${konnectivityServerPort}`,
      '- name: controlplane',
      '  connection:',
      '    proxyProtocol: Direct',
      '',
    ].join('\n'),
  );
  return file;
}
