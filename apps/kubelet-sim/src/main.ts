/**
 * `kubernest kubelet-sim --kubeconfig FILE --nodes N [--node-name-prefix sim-]
 * [--listen-address 127.0.0.1] [--base-port 10250] [--sandbox-dir DIR]`: N simulated kubelets
 * in one process (in the spirit of KWOK), each with its own Node, Lease, pods and kubelet HTTPS
 * port; pods bound to them run as fake containers.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCA, issueCert } from '../../../libs/pki/src';
import { KubeClient, loadKubeconfig } from './kube-client';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { KubeletSimConfig, parseKubeletSimFlags } from './options';
import { SimNode } from './sim-node';

export interface RunningKubeletSim {
  nodes: SimNode[];
  /** PEM of the CA that signed every node's kubelet serving certificate */
  caPem: string;
  stop(): Promise<void>;
}

export async function startKubeletSim(config: KubeletSimConfig, log: (msg: string) => void = (m) => console.log(m)): Promise<RunningKubeletSim> {
  const client = new KubeClient(loadKubeconfig(config.kubeconfig));
  mkdirSync(config.sandboxDir, { recursive: true, mode: 0o700 });
  const ca = await createCA({ commonName: 'kubernest-kubelet-sim-ca' });
  writeFileSync(join(config.sandboxDir, 'kubelet-ca.crt'), ca.certPem);
  const nodes: SimNode[] = [];
  for (let i = 0; i < config.nodes; i++) {
    const name = `${config.nodeNamePrefix}${i}`;
    const serving = await issueCert(ca, { commonName: name, dnsNames: [name, 'localhost'], ipAddresses: [config.listenAddress], usage: 'server' });
    nodes.push(
      new SimNode(client, {
        index: i,
        name,
        ip: config.listenAddress,
        port: config.basePort > 0 ? config.basePort + i : 0,
        sandboxDir: config.sandboxDir,
        tls: { cert: serving.certPem + ca.certPem, key: serving.keyPem },
        nodeStatusUpdateMs: config.nodeStatusUpdateMs,
        leaseRenewMs: config.leaseRenewMs,
        log,
      }),
    );
  }
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
      client.close();
    })());
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (e) {
    await stop();
    throw e;
  }
  return { nodes, caPem: ca.certPem, stop };
}

export async function runKubeletSim(argv: string[]): Promise<void> {
  const config = parseKubeletSimFlags(argv);
  startTracingFromFlag('kubelet', config.tracingConfigFile ?? '');
  const ownSandbox = !argv.some((a) => a.startsWith('--sandbox-dir') || a.startsWith('--sandbox_dir'));
  const sim = await startKubeletSim(config);
  console.log(
    `kubernest kubelet-sim running ${config.nodes} node(s): ${sim.nodes.map((n) => `${n.name}=https://${n.ip}:${n.port}`).join(' ')} (sandboxes in ${config.sandboxDir})`,
  );
  const shutdown = (signal: string) => {
    console.log(`kubelet-sim: ${signal}, stopping`);
    void sim.stop().finally(() => {
      if (ownSandbox) rmSync(config.sandboxDir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
