/** Flags of `kubernest kubelet-sim`. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlagError, flag, flagTypes, parseFlags, tracingConfigFileFlag } from '../../apiserver/src/config';

export const kubeletSimFlagSpecs = {
  kubeconfig: flag({ name: 'kubeconfig', type: flagTypes.string, default: '', usage: 'Path to a kubeconfig file with the credentials the simulated kubelets use to talk to the API server.' }),
  nodes: flag({
    name: 'nodes',
    type: flagTypes.int,
    default: 1,
    usage: 'How many nodes to simulate.',
    validate: (v: number) => (v < 1 || v > 250 ? `--nodes ${v} must be between 1 and 250, inclusive` : undefined),
  }),
  nodeNamePrefix: flag({ name: 'node-name-prefix', type: flagTypes.string, default: 'sim-', usage: 'Node names are <prefix><index>, index from 0.' }),
  listenAddress: flag({
    name: 'listen-address',
    type: flagTypes.ip,
    default: '127.0.0.1',
    usage: "The IP address each simulated kubelet serves its HTTPS API on; also the node's InternalIP.",
  }),
  basePort: flag({
    name: 'base-port',
    type: flagTypes.int,
    default: 10250,
    usage: 'Node i serves its kubelet API on base-port+i. 0 picks a free port per node.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--base-port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  sandboxDir: flag({
    name: 'sandbox-dir',
    type: flagTypes.string,
    default: '',
    usage: 'Directory holding one sandbox directory per simulated pod (the working directory and HOME of exec). Default: a fresh temp dir.',
  }),
  nodeStatusUpdateFrequency: flag({
    name: 'node-status-update-frequency',
    type: flagTypes.duration,
    default: 60_000,
    usage: 'How often each node posts its status (heartbeats go through the Lease every 10s).',
  }),
  tracingConfigFile: tracingConfigFileFlag(),
  leaseRenewInterval: flag({ name: 'lease-renew-interval', type: flagTypes.duration, default: 10_000, usage: 'How often each node renews its Lease in kube-node-lease.', hidden: true }),
};

export interface KubeletSimConfig {
  kubeconfig: string;
  nodes: number;
  nodeNamePrefix: string;
  listenAddress: string;
  basePort: number;
  sandboxDir: string;
  nodeStatusUpdateMs: number;
  leaseRenewMs: number;
  /** --tracing-config-file ('' = no tracing) */
  tracingConfigFile?: string;
}

export function parseKubeletSimFlags(argv: string[]): KubeletSimConfig {
  const { values } = parseFlags(kubeletSimFlagSpecs, argv, {
    command: 'kubernest kubelet-sim',
    description:
      'Simulates N kubelets (in the spirit of KWOK): registers Nodes and Leases, runs pods bound to them as fake containers, and serves the kubelet HTTPS API (logs, exec, attach, port-forward over WebSocket) per node.',
  });
  if (!values.kubeconfig) throw new FlagError('--kubeconfig must be specified');
  if (values.basePort > 0 && values.basePort + values.nodes - 1 > 65535) throw new FlagError(`--base-port ${values.basePort} leaves no room for ${values.nodes} nodes`);
  return {
    kubeconfig: values.kubeconfig,
    nodes: values.nodes,
    nodeNamePrefix: values.nodeNamePrefix,
    listenAddress: values.listenAddress,
    basePort: values.basePort,
    sandboxDir: values.sandboxDir || join(tmpdir(), `kubernest-kubelet-sim-${process.pid}`),
    nodeStatusUpdateMs: values.nodeStatusUpdateFrequency,
    leaseRenewMs: values.leaseRenewInterval,
    tracingConfigFile: values.tracingConfigFile,
  };
}
