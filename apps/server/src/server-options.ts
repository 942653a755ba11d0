/**
 * Flags of `kubernest server`: every kube-apiserver flag of a replica, plus where the embedded
 * control plane keeps its state. Without --etcd-servers the state lives in SQLite in --data-dir.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiserverConfig, apiserverConfigFrom, apiserverFlagSpecs, flag, flagTypes, parseFlags } from '../../apiserver/src/config';

/** The data dir when --data-dir is not given: $KUBERNEST_DATA_DIR, else ~/.kubernest. */
export function defaultDataDir(): string {
  return process.env.KUBERNEST_DATA_DIR || join(homedir(), '.kubernest');
}

export const serverFlagSpecs = {
  ...apiserverFlagSpecs,
  dataDir: flag({
    name: 'data-dir',
    type: flagTypes.string,
    default: '',
    usage: 'Directory for the embedded state (SQLite), the generated certificates and admin.kubeconfig. Default $KUBERNEST_DATA_DIR or ~/.kubernest.',
  }),
  konnectivityAgentPort: flag({
    name: 'konnectivity-agent-port',
    type: flagTypes.int,
    default: 8132,
    usage: 'Port on which the embedded tunnel server accepts node agents (TLS with the data dir\'s serving certificate). 0 disables the tunnel: kubelets are dialled directly.',
    validate: (v: number) => (v < 0 || v > 65535 ? `--konnectivity-agent-port ${v} must be between 0 and 65535, inclusive` : undefined),
  }),
  redisUrl: flag({
    name: 'redis-url',
    type: flagTypes.string,
    default: '',
    usage: 'Redis for queued background work (bullmq). Empty: an in-process queue.',
  }),
};

export interface ServerConfig {
  apiserver: ApiserverConfig;
  dataDir: string;
  /** the SQLite database file ('' when --etcd-servers is given) */
  databasePath: string;
  redisUrl: string;
  /** 0: no embedded tunnel server */
  konnectivityAgentPort: number;
}

export function parseServerFlags(argv: string[]): ServerConfig {
  const { values, changed } = parseFlags(serverFlagSpecs, argv, {
    command: 'kubernest server',
    defaults: { bindAddress: '127.0.0.1' },
    description: 'Kubernest in one process: the API server and its controllers over an embedded store (or etcd with --etcd-servers).',
  });
  const dataDir = values.dataDir || defaultDataDir();
  const apiserver = apiserverConfigFrom(
    { ...values, certDir: changed.has('certDir') ? values.certDir : dataDir },
    { requireEtcd: false },
  );
  return {
    apiserver,
    dataDir,
    databasePath: apiserver.etcdServers.length > 0 ? '' : join(dataDir, 'state.db'),
    redisUrl: values.redisUrl,
    konnectivityAgentPort: values.konnectivityAgentPort,
  };
}
