/** Flags of `kubernest konnectivity-server` (names follow upstream proxy-server where they exist). */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { FlagError, flag, flagTypes, parseFlags, tracingConfigFileFlag } from '../../apiserver/src/config';
import { DEFAULT_WINDOW } from '../../../libs/konnectivity/src/flow';
import { parseStrategies } from '../../../libs/konnectivity/src/identifiers';
import type { ProxyServerOptions, TlsFiles } from '../../../libs/konnectivity/src/server';
import type { AgentTokenAuthFlags } from './token-review';

/** an int port flag, 0..65535 (0 = a free port) */
export const port = (name: string, def: number, usage: string) =>
  flag({
    name,
    type: flagTypes.int,
    default: def,
    usage,
    validate: (v: number) => (v < 0 || v > 65535 ? `--${name} ${v} must be between 0 and 65535, inclusive` : undefined),
  });

export const konnectivityServerFlagSpecs = {
  tracingConfigFile: tracingConfigFileFlag(),
  mode: flag({ name: 'mode', type: flagTypes.string, default: 'grpc', usage: 'Front-end protocol: grpc (ProxyService/Proxy) or http-connect.' }),
  serverPort: port('server-port', 8090, 'Port the front end (API server side) listens on. 0 picks a free port.'),
  agentPort: port('agent-port', 8091, 'Port agents connect to (AgentService/Connect). 0 picks a free port.'),
  healthPort: port('health-port', 8092, 'Port of /healthz, /readyz and /metrics. 0 picks a free port.'),
  udsName: flag({
    name: 'uds-name',
    type: flagTypes.string,
    default: '',
    usage: 'uds-name should be empty for TCP traffic. For UDS set to its name: the front end listens on this Unix socket (no TLS) instead of --server-port.',
  }),
  serverBindAddress: flag({ name: 'server-bind-address', type: flagTypes.string, default: '', usage: 'Address the front end binds to ("" = all interfaces).' }),
  agentBindAddress: flag({ name: 'agent-bind-address', type: flagTypes.string, default: '', usage: 'Address the agent port binds to ("" = all interfaces).' }),
  healthBindAddress: flag({ name: 'health-bind-address', type: flagTypes.string, default: '', usage: 'Address the health port binds to ("" = all interfaces).' }),
  serverId: flag({ name: 'server-id', type: flagTypes.string, default: '', usage: 'This server\'s unique id, sent to agents as `serverid` (default: a random UUID).' }),
  serverCount: flag({
    name: 'server-count',
    type: flagTypes.int,
    default: 1,
    usage: 'How many proxy servers run behind the agents\' address (sent as `servercount`).',
    validate: (v: number) => (v < 1 ? `--server-count ${v} must be at least 1` : undefined),
  }),
  proxyStrategies: flag({
    name: 'proxy-strategies',
    type: flagTypes.stringSlice,
    default: ['default'],
    usage: 'Ordered backend selection strategies: default (random agent), destHost (agent whose identifiers match the dial host), defaultRoute (agents with default-route=true).',
  }),
  clusterCert: flag({ name: 'cluster-cert', type: flagTypes.string, default: '', usage: 'Certificate of the agent port (TLS towards agents).' }),
  clusterKey: flag({ name: 'cluster-key', type: flagTypes.string, default: '', usage: 'Private key for --cluster-cert.' }),
  clusterCaCert: flag({ name: 'cluster-ca-cert', type: flagTypes.string, default: '', usage: 'CA that signs agent client certificates (mutual TLS on the agent port).' }),
  serverCert: flag({ name: 'server-cert', type: flagTypes.string, default: '', usage: 'Certificate of the front end.' }),
  serverKey: flag({ name: 'server-key', type: flagTypes.string, default: '', usage: 'Private key for --server-cert.' }),
  serverCaCert: flag({ name: 'server-ca-cert', type: flagTypes.string, default: '', usage: 'CA that signs front-end client certificates (mutual TLS on the front end).' }),
  agentNamespace: flag({
    name: 'agent-namespace',
    type: flagTypes.string,
    default: '',
    usage: "Expected agent's namespace during agent authentication (used with agent-service-account, authentication-audience, kubeconfig).",
  }),
  agentServiceAccount: flag({
    name: 'agent-service-account',
    type: flagTypes.string,
    default: '',
    usage: "Expected agent's service account during agent authentication (used with agent-namespace, authentication-audience, kubeconfig).",
  }),
  authenticationAudience: flag({
    name: 'authentication-audience',
    type: flagTypes.string,
    default: '',
    usage: "Expected agent's token authentication audience (used with agent-namespace, agent-service-account, kubeconfig).",
  }),
  kubeconfig: flag({
    name: 'kubeconfig',
    type: flagTypes.string,
    default: '',
    usage: 'absolute path to the kubeconfig file (used with agent-namespace, agent-service-account, authentication-audience). Empty: the in-cluster configuration.',
  }),
  bindAgentIdentity: flag({
    name: 'bind-agent-identity',
    type: flagTypes.bool,
    default: true,
    usage:
      'Kubernest (not upstream): refuse an agent whose agentid/agentidentifiers its credentials do not allow: the node of its client certificate (CN system:node:<name>, SAN DNS/IP) or of its token (node-bound service-account token). Agents without credentials are not checked.',
  }),
  dialTimeout: flag({ name: 'dial-timeout', type: flagTypes.duration, default: 30_000, usage: 'How long a dial may wait for the agent\'s answer.' }),
  flowControlWindow: flag({
    name: 'flow-control-window',
    type: flagTypes.int,
    default: DEFAULT_WINDOW,
    usage: 'Per-connection window (bytes) granted to peers that negotiate Kubernest flow control.',
    validate: (v: number) => (v < 16 * 1024 ? '--flow-control-window must be at least 16384' : undefined),
  }),
};

function tls(name: string, cert: string, key: string, ca: string): TlsFiles | undefined {
  if (!cert && !key && !ca) return undefined;
  if (!cert || !key) throw new FlagError(`--${name}-cert and --${name}-key must be given together`);
  return { certFile: cert, keyFile: key, caFile: ca || undefined };
}

export function parseKonnectivityServerFlags(argv: string[]): ProxyServerOptions & { tracingConfigFile: string; tokenAuth?: AgentTokenAuthFlags } {
  const { values: v } = parseFlags(konnectivityServerFlagSpecs, argv, {
    command: 'kubernest konnectivity-server',
    description: 'The Konnectivity proxy server: agents connect in, the API server dials cluster addresses through them.',
  });
  if (v.mode !== 'grpc' && v.mode !== 'http-connect') throw new FlagError(`--mode ${JSON.stringify(v.mode)}: must be grpc or http-connect`);
  if (v.udsName && (v.serverCert || v.serverKey || v.serverCaCert)) throw new FlagError('--uds-name: the Unix socket front end has no TLS; do not set --server-cert, --server-key or --server-ca-cert');
  // upstream ProxyRunOptions.Validate, for the token authentication flags
  const usingServiceAccountAuth = !!(v.agentNamespace || v.agentServiceAccount || v.authenticationAudience);
  if (usingServiceAccountAuth) {
    if (v.clusterCaCert) throw new FlagError('--cluster-ca-cert can not be used when agent authentication is enabled');
    if (!v.agentNamespace) throw new FlagError('--agent-namespace cannot be empty when agent authentication is enabled');
    if (!v.agentServiceAccount) throw new FlagError('--agent-service-account cannot be empty when agent authentication is enabled');
    if (!v.authenticationAudience) throw new FlagError('--authentication-audience cannot be empty when agent authentication is enabled');
  }
  if (v.kubeconfig && !existsSync(v.kubeconfig)) throw new FlagError(`checking KubeconfigPath ${JSON.stringify(v.kubeconfig)}, got stat ${v.kubeconfig}: no such file or directory`);
  let strategies;
  try {
    strategies = parseStrategies(v.proxyStrategies);
  } catch (e) {
    throw new FlagError(`--proxy-strategies: ${(e as Error).message}`);
  }
  return {
    tracingConfigFile: v.tracingConfigFile,
    mode: v.mode,
    serverId: v.serverId || randomUUID(),
    serverCount: v.serverCount,
    strategies,
    serverPort: v.serverPort,
    agentPort: v.agentPort,
    healthPort: v.healthPort,
    serverBindAddress: v.serverBindAddress,
    agentBindAddress: v.agentBindAddress,
    healthBindAddress: v.healthBindAddress,
    agentTls: tls('cluster', v.clusterCert, v.clusterKey, v.clusterCaCert),
    serverTls: tls('server', v.serverCert, v.serverKey, v.serverCaCert),
    dialTimeoutMs: v.dialTimeout,
    window: v.flowControlWindow,
    udsName: v.udsName || undefined,
    bindAgentIdentity: v.bindAgentIdentity,
    tokenAuth: usingServiceAccountAuth
      ? { namespace: v.agentNamespace, serviceAccount: v.agentServiceAccount, audience: v.authenticationAudience, kubeconfig: v.kubeconfig }
      : undefined,
  };
}
