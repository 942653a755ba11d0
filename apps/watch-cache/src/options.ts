/** Flags of `kubernest watch-cache`. */
import { FlagError, flag, flagTypes, isHttpURL, parseFlags, tracingConfigFileFlag } from '../../apiserver/src/config';
import { encryptionConfigFrom, encryptionFlagSpecs } from '../../apiserver/src/encryption/encryption-options';
import type { EncryptionConfig } from '../../../libs/storage/src/encryption/config';

export const watchCacheFlagSpecs = {
  etcdServers: flag({
    name: 'etcd-servers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of etcd servers to connect with (scheme://ip:port), comma separated.',
  }),
  etcdPrefix: flag({ name: 'etcd-prefix', type: flagTypes.string, default: '/registry', usage: 'The prefix of all resource paths in etcd.' }),
  port: flag({
    name: 'port',
    type: flagTypes.int,
    default: 7443,
    usage: 'The port on which to serve the WatchCache gRPC service. 0 picks a free port.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  bindAddress: flag({ name: 'bind-address', type: flagTypes.ip, default: '127.0.0.1', usage: 'The IP address on which to listen for --port.' }),
  metricsPort: flag({
    name: 'metrics-port',
    type: flagTypes.int,
    default: 0,
    usage: 'The port on which to serve Prometheus metrics over plain HTTP (GET /metrics) on --bind-address. 0 disables it.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--metrics-port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  tracingConfigFile: tracingConfigFileFlag(),
  // the replicas' EncryptionConfiguration: the cache reads (decrypts) what they wrote
  ...encryptionFlagSpecs,
  shutdownGracePeriod: flag({
    name: 'shutdown-grace-period',
    type: flagTypes.duration,
    default: 5000,
    usage: 'How long a graceful shutdown waits for streams to end before closing them.',
  }),
};

export interface WatchCacheConfig {
  etcdServers: string[];
  etcdPrefix: string;
  port: number;
  bindAddress: string;
  /** plain-HTTP /metrics port (0 = disabled) */
  metricsPort: number;
  shutdownGraceMs: number;
  /** --tracing-config-file ('' = no tracing) */
  tracingConfigFile: string;
  /** --encryption-provider-config, parsed (the same file as the replicas') */
  encryption?: EncryptionConfig;
}

export function parseWatchCacheFlags(argv: string[]): WatchCacheConfig {
  const { values } = parseFlags(watchCacheFlagSpecs, argv, {
    command: 'kubernest watch-cache',
    description: 'The shared watch cache: one etcd watch per resource, served to API replicas over gRPC (proto/watchcache/v1).',
  });
  if (values.etcdServers.length === 0) throw new FlagError('--etcd-servers must be specified');
  for (const s of values.etcdServers) if (!isHttpURL(s)) throw new FlagError(`--etcd-servers: invalid URL ${JSON.stringify(s)}: must be http://host:port or https://host:port`);
  return {
    etcdServers: values.etcdServers,
    etcdPrefix: values.etcdPrefix,
    port: values.port,
    bindAddress: values.bindAddress,
    metricsPort: values.metricsPort,
    shutdownGraceMs: values.shutdownGracePeriod,
    tracingConfigFile: values.tracingConfigFile,
    ...encryption(values),
  };
}

function encryption(v: { encryptionProviderConfig: string }): { encryption?: EncryptionConfig } {
  try {
    const { encryption: cfg } = encryptionConfigFrom(v);
    return cfg ? { encryption: cfg } : {};
  } catch (e) {
    throw new FlagError((e as Error).message);
  }
}
