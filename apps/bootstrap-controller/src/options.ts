/** Flags of `kubernest bootstrap-controller`. */
import { FlagError, flag, flagTypes, isHttpURL, parseCIDR, parseFlags, tracingConfigFileFlag, type PortRange } from '../../apiserver/src/config';
import { DEFAULT_REPAIR_INTERVAL_MS } from './controller';
import { DEFAULT_GC_SCAN_INTERVAL_MS } from './gc/gc-controller';

export const bootstrapControllerFlagSpecs = {
  etcdServers: flag({
    name: 'etcd-servers',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: 'List of etcd servers to connect with (scheme://ip:port), comma separated.',
  }),
  etcdPrefix: flag({ name: 'etcd-prefix', type: flagTypes.string, default: '/registry', usage: 'The prefix of all resource paths in etcd.' }),
  serviceClusterIPRange: flag({
    name: 'service-cluster-ip-range',
    type: flagTypes.string,
    default: '10.0.0.0/24',
    usage: 'The service CIDR(s) of the API replicas (one, or two of different IP families, comma separated). Service kubernetes gets the first IP of the first.',
  }),
  serviceNodePortRange: flag({
    name: 'service-node-port-range',
    type: flagTypes.portRange,
    default: { base: 30000, size: 2768 } as PortRange,
    usage: "The API replicas' NodePort range, e.g. '30000-32767'. Inclusive at both ends of the range.",
  }),
  securePort: flag({
    name: 'secure-port',
    type: flagTypes.int,
    default: 6443,
    usage: "The API replicas' secure port: the targetPort of Service kubernetes.",
    validate: (v: number) => (v < 1 || v > 65535 ? `--secure-port ${v} must be between 1 and 65535, inclusive` : undefined),
  }),
  redisUrl: flag({
    name: 'redis-url',
    type: flagTypes.string,
    default: '',
    usage: 'Redis (redis://host:port) on which repair passes are scheduled as one bullmq job per interval across all controllers. Empty: this controller\'s own timer.',
  }),
  repairInterval: flag({
    name: 'repair-interval',
    type: flagTypes.duration,
    default: DEFAULT_REPAIR_INTERVAL_MS,
    usage: 'How often the ClusterIP and NodePort repair passes run (also once at start).',
    validate: (v: number) => (v <= 0 ? '--repair-interval must be greater than 0' : undefined),
  }),
  gcScanInterval: flag({
    name: 'gc-scan-interval',
    type: flagTypes.duration,
    default: DEFAULT_GC_SCAN_INTERVAL_MS,
    usage: 'How often the garbage collector and namespace controller scan every resource for work (terminating namespaces, owners being deleted, orphaned dependents), as a backstop to the watches.',
    validate: (v: number) => (v <= 0 ? '--gc-scan-interval must be greater than 0' : undefined),
  }),
  gcWatch: flag({
    name: 'gc-watch',
    type: flagTypes.bool,
    default: true,
    usage: 'Watch every resource and queue garbage collection and namespace deletion work as objects change. If false, work is found by the periodic scan only.',
  }),
  metricsPort: flag({
    name: 'metrics-port',
    type: flagTypes.int,
    default: 0,
    usage: 'The port on which to serve Prometheus metrics over plain HTTP (GET /metrics) on --metrics-bind-address. 0 disables it.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--metrics-port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  tracingConfigFile: tracingConfigFileFlag(),
  metricsBindAddress: flag({ name: 'metrics-bind-address', type: flagTypes.ip, default: '127.0.0.1', usage: 'The IP address on which to listen for --metrics-port.' }),
};

export interface BootstrapControllerConfig {
  etcdServers: string[];
  etcdPrefix: string;
  serviceClusterIPRanges: string[];
  serviceNodePortRange: PortRange;
  securePort: number;
  repairIntervalMs: number;
  redisUrl: string;
  /** garbage collector scan interval */
  gcScanIntervalMs?: number;
  /** garbage collector watches (default true) */
  gcWatch?: boolean;
  /** plain-HTTP /metrics port (0 = disabled; standalone process only) */
  metricsPort?: number;
  metricsBindAddress?: string;
  /** --tracing-config-file ('' = no tracing; standalone process only) */
  tracingConfigFile?: string;
}

export function parseBootstrapControllerFlags(argv: string[]): BootstrapControllerConfig {
  const { values } = parseFlags(bootstrapControllerFlagSpecs, argv, {
    command: 'kubernest bootstrap-controller',
    description:
      'The bootstrap controller: system namespaces, Service kubernetes, and the ClusterIP/NodePort repair loops, against the replicas\' etcd.',
  });
  if (values.etcdServers.length === 0) throw new FlagError('--etcd-servers must be specified');
  for (const s of values.etcdServers) if (!isHttpURL(s)) throw new FlagError(`--etcd-servers: invalid URL ${JSON.stringify(s)}: must be http://host:port or https://host:port`);
  const ranges = values.serviceClusterIPRange.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ranges.length === 0 || ranges.length > 2) throw new FlagError('--service-cluster-ip-range must contain one or two CIDRs');
  const parsed = ranges.map((r, i) => {
    const c = parseCIDR(r);
    if (!c) throw new FlagError(`service-cluster-ip-range[${i}] is not a valid cidr`);
    return c;
  });
  if (parsed.length === 2 && parsed[0].family === parsed[1].family) {
    throw new FlagError('--service-cluster-ip-range[0] and --service-cluster-ip-range[1] must be of different IP family');
  }
  if (values.redisUrl && !/^rediss?:\/\/[^/]+/.test(values.redisUrl)) throw new FlagError(`--redis-url: invalid URL ${JSON.stringify(values.redisUrl)}: must be redis://host:port`);
  if (values.serviceNodePortRange.size === 0) throw new FlagError('--service-node-port-range must not be empty');
  return {
    etcdServers: values.etcdServers,
    etcdPrefix: values.etcdPrefix,
    serviceClusterIPRanges: parsed.map((c) => c.cidr),
    serviceNodePortRange: values.serviceNodePortRange,
    securePort: values.securePort,
    repairIntervalMs: values.repairInterval,
    redisUrl: values.redisUrl,
    gcScanIntervalMs: values.gcScanInterval,
    gcWatch: values.gcWatch,
    metricsPort: values.metricsPort,
    metricsBindAddress: values.metricsBindAddress,
    tracingConfigFile: values.tracingConfigFile,
  };
}
