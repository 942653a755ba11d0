/** Flags of `kubernest konnectivity-agent` (names follow upstream proxy-agent). */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FlagError, flag, flagTypes, parseFlags, tracingConfigFileFlag } from '../../apiserver/src/config';
import { Allowlist, parseAllowlist, parseIdentifiers } from '../../../libs/konnectivity/src/identifiers';
import type { AgentOptions } from '../../../libs/konnectivity/src/agent';
import type { AgentHealthOptions } from '../../../libs/konnectivity/src/agent-health';
import { port } from '../../konnectivity-server/src/options';

export const konnectivityAgentFlagSpecs = {
  tracingConfigFile: tracingConfigFileFlag(),
  proxyServerHost: flag({ name: 'proxy-server-host', type: flagTypes.string, default: '127.0.0.1', usage: 'Host of the proxy server (or of a load balancer in front of all of them).' }),
  proxyServerPort: flag({
    name: 'proxy-server-port',
    type: flagTypes.int,
    default: 8091,
    usage: 'Agent port of the proxy server.',
    validate: (v: number) => (v < 1 || v > 65535 ? `--proxy-server-port ${v} must be between 1 and 65535, inclusive` : undefined),
  }),
  agentId: flag({ name: 'agent-id', type: flagTypes.string, default: '', usage: 'This agent\'s id (default: the host name).' }),
  agentIdentifiers: flag({
    name: 'agent-identifiers',
    type: flagTypes.string,
    default: '',
    usage: 'Addresses this agent serves, URL-query encoded: host=<name>&ipv4=<ip>&ipv6=<ip>&cidr=<cidr>&default-route=true.',
  }),
  agentCert: flag({ name: 'agent-cert', type: flagTypes.string, default: '', usage: 'Client certificate for mutual TLS to the proxy server.' }),
  agentKey: flag({ name: 'agent-key', type: flagTypes.string, default: '', usage: 'Private key for --agent-cert.' }),
  caCert: flag({ name: 'ca-cert', type: flagTypes.string, default: '', usage: 'CA of the proxy server\'s certificate (enables TLS).' }),
  serviceAccountTokenPath: flag({
    name: 'service-account-token-path',
    type: flagTypes.string,
    default: '',
    usage: 'If non-empty proxy agent uses this token to prove its identity to the proxy server (sent as authorization: Bearer <token>; re-read on every connection).',
  }),
  allow: flag({
    name: 'allow',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'Destinations the agent may dial, cidr:port or cidr:* (e.g. 10.0.0.0/8:10250). Empty: any (upstream behaviour).',
  }),
  healthServerPort: port('health-server-port', 8093, 'The port the health server is listening on (/healthz, /readyz, /metrics). 0 picks a free port.'),
  healthServerHost: flag({ name: 'health-server-host', type: flagTypes.string, default: '', usage: 'Address the health server binds to ("" = all interfaces).' }),
  adminServerPort: port('admin-server-port', 8094, 'The port the admin server is listening on (/metrics). 0 picks a free port.'),
  adminBindAddress: flag({ name: 'admin-bind-address', type: flagTypes.string, default: '127.0.0.1', usage: 'Address the admin server binds to.' }),
  dialTimeout: flag({ name: 'dial-timeout', type: flagTypes.duration, default: 5000, usage: 'Timeout of one endpoint dial.' }),
  drainTimeout: flag({ name: 'drain-timeout', type: flagTypes.duration, default: 5000, usage: 'On SIGTERM, how long to wait for open connections after sending DRAIN.' }),
};

export function parseKonnectivityAgentFlags(argv: string[]): AgentOptions & { tracingConfigFile: string; health: AgentHealthOptions } {
  const { values: v } = parseFlags(konnectivityAgentFlagSpecs, argv, {
    command: 'kubernest konnectivity-agent',
    description: 'The Konnectivity agent: connects out to the proxy servers and dials cluster addresses for them.',
  });
  try {
    parseIdentifiers(v.agentIdentifiers);
  } catch (e) {
    throw new FlagError(`--agent-identifiers: ${(e as Error).message}`);
  }
  let allowlist: Allowlist;
  try {
    allowlist = new Allowlist(parseAllowlist(v.allow));
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
  if (!!v.agentCert !== !!v.agentKey) throw new FlagError('--agent-cert and --agent-key must be given together');
  if (v.agentCert && !v.caCert) throw new FlagError('--agent-cert needs --ca-cert');
  return {
    tracingConfigFile: v.tracingConfigFile,
    proxyServerHost: v.proxyServerHost,
    proxyServerPort: v.proxyServerPort,
    agentId: v.agentId || hostname(),
    agentIdentifiers: v.agentIdentifiers,
    tls: v.caCert ? { caFile: v.caCert, certFile: v.agentCert || undefined, keyFile: v.agentKey || undefined } : undefined,
    bearerToken: tokenReader(v.serviceAccountTokenPath),
    allowlist,
    dialTimeoutMs: v.dialTimeout,
    drainTimeoutMs: v.drainTimeout,
    health: { healthPort: v.healthServerPort, healthHost: v.healthServerHost, adminPort: v.adminServerPort, adminHost: v.adminBindAddress },
  };
}

/** upstream reads the token file for every connection (projected tokens rotate); a missing file is a flag error at start */
function tokenReader(path: string): (() => string) | undefined {
  if (!path) return undefined;
  let last = '';
  try {
    last = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new FlagError(`error checking service account token path ${path}, got ${(e as Error).message}`);
  }
  return () => {
    try {
      last = readFileSync(path, 'utf8').trim();
    } catch {
      // keep the last token read
    }
    return last;
  };
}
