/**
 * `npm run cluster` / `npm run cluster:down`: a whole HA Kubernest on this machine, loopback only.
 *
 *   node dist/deploy/local/cluster.js up [--port 6443] [--tunnel-port 8132] [--nodes 3] [--dir D] [--timeout 180]
 *   node dist/deploy/local/cluster.js down [--dir D]
 *   node dist/deploy/local/cluster.js status [--dir D]
 *
 * See deploy/local/README.md for the topology. Every component runs detached with a pid file and a
 * log file under the cluster dir (`$KUBERNEST_CLUSTER_DIR`, default `<repo>/.kubernest-cluster`);
 * `up` returns once the cluster is usable and prints where the kubeconfig is.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, createServer } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { ensureCerts, issueCert, issueClientCert, issueServingCert, writeKubeconfig } from '../../libs/pki/src';
import { haproxyConfig } from './haproxy';
import { prometheusArgs, prometheusConfig } from './prometheus';
import { isAlive, isOurs, ManagedProcess, readCommand, readPidFiles, removePidFile, startDetached, stopAll, tail } from './processes';

/** The repository root: dist/deploy/local → ../../.., deploy/local (ts) → ../.. */
const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'bin', 'kubernest')) && dir !== resolve(dir, '..')) dir = resolve(dir, '..');
  return dir;
})();
const KUBERNEST_BIN = join(REPO_ROOT, 'bin', 'kubernest');
const KUBERNEST_ENTRY = join(REPO_ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');

const BINARIES = {
  etcd: { path: process.env.ETCD_BIN ?? '/usr/bin/etcd', pkg: 'etcd-server' },
  redis: { path: process.env.REDIS_BIN ?? '/usr/bin/redis-server', pkg: 'redis-server' },
  haproxy: { path: process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy', pkg: 'haproxy' },
  prometheus: { path: process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus', pkg: 'prometheus' },
};

const REPLICA_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const LB_ADDRESS = '127.0.0.1';
const ETCD_MEMBERS = 3;
const WATCH_CACHES = 2;
const KONNECTIVITY_SERVERS = 2;

/**
 * Stop order of `down`, by name prefix: clients first (so nothing logs a dying dependency), etcd
 * last (replicas delete their endpoint lease in etcd on a graceful stop). The etcd members stop one
 * after the other: a leader stopping together with its followers would try to hand leadership to a
 * dying member and hang until SIGKILL; one at a time, each hand-over is instant and the last member
 * has nobody to hand over to.
 */
const STOP_TIERS: { names: string[]; oneByOne?: boolean }[] = [
  { names: ['kubelet-sim', 'konnectivity-agent', 'prometheus'] },
  { names: ['haproxy', 'apiserver', 'bootstrap-controller', 'konnectivity-server'] },
  { names: ['watch-cache', 'redis'] },
  { names: ['etcd'], oneByOne: true },
];

export interface UpOptions {
  dir: string;
  port?: number;
  tunnelPort?: number;
  prometheusPort?: number;
  nodes: number;
  timeoutMs: number;
  log: (line: string) => void;
}

export class ClusterError extends Error {}

// ---------------------------------------------------------------------------------------------
// small helpers

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether `port` can be bound on `host` right now. */
function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolvePort(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolvePort(true)));
  });
}

/** A port that was free on `host` a moment ago, not in `taken`. */
async function freePort(taken: Set<number>, host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const srv = createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, host, () => {
        const a = srv.address();
        const p = typeof a === 'object' && a ? a.port : 0;
        srv.close(() => resolvePort(p));
      });
    });
    if (port && !taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new ClusterError('could not find a free port');
}

/** One port free on every host (the replicas share a secure port on their own IPs). */
async function freePortOnAll(taken: Set<number>, hosts: string[]): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort(taken, hosts[0]);
    const ok = await Promise.all(hosts.slice(1).map((h) => canBind(h, port)));
    if (ok.every(Boolean)) return port;
  }
  throw new ClusterError(`could not find a port free on all of ${hosts.join(', ')}`);
}

function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolveOpen(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => done(true));
  });
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolvePing(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

interface Resp {
  status: number;
  body: string;
}

interface TlsCreds {
  ca: string;
  cert?: string;
  key?: string;
}

function get(url: string, tls?: TlsCreds): Promise<Resp> {
  return new Promise((resolveGet, reject) => {
    const u = new URL(url);
    const opts = { method: 'GET', timeout: 3000, headers: { Accept: 'application/json' }, ...(tls ?? {}) };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function getOk(url: string, tls?: TlsCreds): Promise<Resp | undefined> {
  try {
    const r = await get(url, tls);
    return r.status === 200 ? r : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// up

interface Ports {
  api: number;
  tunnel: number;
  replica: number;
  etcdClient: number[];
  etcdPeer: number[];
  redis: number;
  watchCache: number[];
  konnAgent: number[];
  konnServer: number[];
  konnHealth: number[];
  watchCacheMetrics: number[];
  bootstrapMetrics: number;
  prometheus: number;
}

async function choosePorts(o: UpOptions): Promise<Ports> {
  const taken = new Set<number>();
  const fixedOrFree = async (wanted: number | undefined, fallback: number, what: string, flag: string): Promise<number> => {
    if (wanted !== undefined) {
      if (!(await canBind(LB_ADDRESS, wanted))) throw new ClusterError(`${what} port ${LB_ADDRESS}:${wanted} is in use (${flag})`);
      taken.add(wanted);
      return wanted;
    }
    if (await canBind(LB_ADDRESS, fallback)) {
      taken.add(fallback);
      return fallback;
    }
    const p = await freePort(taken);
    o.log(`${LB_ADDRESS}:${fallback} is taken, ${what} uses port ${p} instead (${flag} to choose)`);
    return p;
  };
  const api = await fixedOrFree(o.port, 6443, 'the API', '--port');
  const tunnel = await fixedOrFree(o.tunnelPort, 8132, 'the konnectivity agent', '--tunnel-port');
  const prometheus = await fixedOrFree(o.prometheusPort, 9090, 'Prometheus', '--prometheus-port');
  const many = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await freePort(taken));
    return out;
  };
  return {
    api,
    tunnel,
    replica: await freePortOnAll(taken, REPLICA_IPS),
    etcdClient: await many(ETCD_MEMBERS),
    etcdPeer: await many(ETCD_MEMBERS),
    redis: (await many(1))[0],
    watchCache: await many(WATCH_CACHES),
    konnAgent: await many(KONNECTIVITY_SERVERS),
    konnServer: await many(KONNECTIVITY_SERVERS),
    konnHealth: await many(KONNECTIVITY_SERVERS),
    watchCacheMetrics: await many(WATCH_CACHES),
    bootstrapMetrics: (await many(1))[0],
    prometheus,
  };
}

function checkPrerequisites(): void {
  const missing: string[] = [];
  for (const [name, b] of Object.entries(BINARIES)) {
    if (!existsSync(b.path)) missing.push(`  ${name}: ${b.path} not found (Debian: apt-get install ${b.pkg}; or set ${name.toUpperCase()}_BIN)`);
  }
  if (!existsSync(KUBERNEST_ENTRY)) missing.push(`  kubernest: ${KUBERNEST_ENTRY} not found (run \`npm ci\` or \`npm run build\` first)`);
  if (missing.length > 0) throw new ClusterError(`missing binaries:\n${missing.join('\n')}`);
}

/** Whether this API server build knows a flag (so the cluster can use features as they land). */
async function apiserverHasFlag(flag: string): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolveHelp) => {
    execFile(process.execPath, [KUBERNEST_BIN, 'apiserver', '--help'], { timeout: 20_000 }, (_err, stdout, stderr) => {
      resolveHelp(`${stdout}${stderr}`.includes(`--${flag}`));
    });
  });
}

export async function up(o: UpOptions): Promise<{ kubeconfig: string; server: string }> {
  const t0 = Date.now();
  const deadline = t0 + o.timeoutMs;
  const log = (m: string) => o.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${m}`);
  checkPrerequisites();

  const running = readPidFiles(o.dir).filter(isOurs);
  if (running.length > 0) {
    throw new ClusterError(
      `a cluster is already running from ${o.dir} (${running.map((e) => e.name).join(', ')}): run \`npm run cluster:down\` first`,
    );
  }
  // a fresh cluster every time: old data, pids and logs go; the PKI (CA) is kept
  for (const sub of ['etcd', 'redis', 'sandboxes', 'pids', 'logs', 'prometheus']) rmSync(join(o.dir, sub), { recursive: true, force: true });
  mkdirSync(o.dir, { recursive: true });

  const ports = await choosePorts(o);
  const apiURL = `https://${LB_ADDRESS}:${ports.api}`;
  const procs: ManagedProcess[] = [];
  const node = (name: string, args: string[]) => {
    const p = startDetached(o.dir, name, process.execPath, [KUBERNEST_BIN, ...args]);
    procs.push(p);
    return p;
  };
  const exec = (name: string, bin: string, args: string[]) => {
    const p = startDetached(o.dir, name, bin, args);
    procs.push(p);
    return p;
  };
  /** polls `check` until true; fails early when one of `watch` died, or at the deadline */
  const waitFor = async (what: string, watch: ManagedProcess[], check: () => Promise<boolean>): Promise<void> => {
    for (;;) {
      for (const p of watch) {
        if (p.exited || !isAlive(p.pid)) {
          throw new ClusterError(`${p.name} exited during start-up (${p.exited ? `code ${p.exited.code}, signal ${p.exited.signal}` : 'gone'}); ${p.logFile}:\n${tail(p.logFile)}`);
        }
      }
      if (await check()) return;
      if (Date.now() > deadline) {
        const logs = watch.map((p) => `--- ${p.logFile}\n${tail(p.logFile)}`).join('\n');
        throw new ClusterError(`timed out after ${o.timeoutMs / 1000}s waiting for ${what}\n${logs}`);
      }
      await sleep(200);
    }
  };

  // asked early, in parallel with etcd's start: does this build route cluster traffic via konnectivity?
  const egressFlag = apiserverHasFlag('egress-selector-config-file');
  try {
    // PKI: one CA and one serving certificate for every replica and the load balancer (TLS passthrough)
    const pkiDir = join(o.dir, 'pki');
    const certs = await ensureCerts(pkiDir, {
      advertiseAddress: LB_ADDRESS,
      extraSANs: [...REPLICA_IPS, 'localhost'],
      server: apiURL,
    });
    const kubeconfig = join(o.dir, 'admin.kubeconfig');
    await writeKubeconfig(kubeconfig, { server: apiURL, caPem: certs.caCertPem, certPem: certs.adminCertPem, keyPem: certs.adminKeyPem });
    const konnServerCert = await issueServingCert(certs.ca, { advertiseAddress: LB_ADDRESS, commonName: 'konnectivity-server' });
    // one certificate per node agent (CN system:node:<name>, SAN its IP): the tunnel servers bind
    // each agent's claimed host=/ipv4= identifiers to it (--bind-agent-identity)
    const konnAgentCerts = await Promise.all(
      Array.from({ length: o.nodes }, (_, i) => issueCert(certs.ca, { commonName: `system:node:sim-${i}`, organizations: ['system:nodes'], ipAddresses: ['127.0.0.1'], usage: 'client' })),
    );
    const konnClientCert = await issueClientCert(certs.ca, { cn: 'system:konnectivity-server-client' });
    const pki = (f: string, pem: string, mode = 0o600) => {
      writeFileSync(join(pkiDir, f), pem, { mode });
      return join(pkiDir, f);
    };
    const konn = {
      serverCert: pki('konnectivity-server.crt', konnServerCert.certPem, 0o644),
      serverKey: pki('konnectivity-server.key', konnServerCert.keyPem),
      agentCerts: konnAgentCerts.map((c, i) => pki(`konnectivity-agent-sim-${i}.crt`, c.certPem, 0o644)),
      agentKeys: konnAgentCerts.map((c, i) => pki(`konnectivity-agent-sim-${i}.key`, c.keyPem)),
      clientCert: pki('konnectivity-client.crt', konnClientCert.certPem, 0o644),
      clientKey: pki('konnectivity-client.key', konnClientCert.keyPem),
    };
    const tls: TlsCreds = { ca: certs.caCertPem };
    const admin: TlsCreds = { ca: certs.caCertPem, cert: certs.adminCertPem, key: certs.adminKeyPem };
    log(`PKI in ${pkiDir} (CA, serving certificate for ${LB_ADDRESS} and ${REPLICA_IPS.join(', ')})`);

    // etcd: 3 members
    const etcdURL = (i: number) => `http://127.0.0.1:${ports.etcdClient[i]}`;
    const peerURL = (i: number) => `http://127.0.0.1:${ports.etcdPeer[i]}`;
    const initialCluster = Array.from({ length: ETCD_MEMBERS }, (_, i) => `etcd-${i}=${peerURL(i)}`).join(',');
    const etcdServers = Array.from({ length: ETCD_MEMBERS }, (_, i) => etcdURL(i)).join(',');
    const etcd = Array.from({ length: ETCD_MEMBERS }, (_, i) =>
      exec(`etcd-${i}`, BINARIES.etcd.path, [
        `--name=etcd-${i}`,
        `--data-dir=${join(o.dir, 'etcd', `etcd-${i}`)}`,
        `--listen-client-urls=${etcdURL(i)}`,
        `--advertise-client-urls=${etcdURL(i)}`,
        `--listen-peer-urls=${peerURL(i)}`,
        `--initial-advertise-peer-urls=${peerURL(i)}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=kubernest-local',
        '--logger=zap',
        '--log-outputs=stderr',
        '--log-level=warn',
      ]),
    );
    mkdirSync(join(o.dir, 'redis'), { recursive: true });
    const redis = exec('redis', BINARIES.redis.path, ['--port', String(ports.redis), '--bind', '127.0.0.1', '--dir', join(o.dir, 'redis'), '--save', '', '--appendonly', 'no']);
    const redisURL = `redis://127.0.0.1:${ports.redis}`;
    await waitFor('etcd (3 members, a leader)', etcd, async () => {
      const h = await Promise.all(etcd.map((_, i) => getOk(`${etcdURL(i)}/health`)));
      return h.every((r) => r !== undefined && /"health":\s*"?true/.test(r.body));
    });
    log(`etcd ready: ${etcdServers}`);
    await waitFor('redis', [redis], () => redisPing(ports.redis));
    log(`redis ready: ${redisURL}`);

    // control plane: watch caches, bootstrap controller, konnectivity servers, then the replicas
    const watchCaches = ports.watchCache.map((port, i) =>
      node(`watch-cache-${i}`, [
        'watch-cache',
        `--etcd-servers=${etcdServers}`,
        '--bind-address=127.0.0.1',
        `--port=${port}`,
        `--metrics-port=${ports.watchCacheMetrics[i]}`,
      ]),
    );
    const bootstrap = node('bootstrap-controller', [
      'bootstrap-controller',
      `--etcd-servers=${etcdServers}`,
      `--redis-url=${redisURL}`,
      `--secure-port=${ports.replica}`,
      `--metrics-port=${ports.bootstrapMetrics}`,
    ]);
    const konnServers = Array.from({ length: KONNECTIVITY_SERVERS }, (_, i) =>
      node(`konnectivity-server-${i}`, [
        'konnectivity-server',
        `--server-id=konnectivity-server-${i}`,
        `--server-count=${KONNECTIVITY_SERVERS}`,
        '--proxy-strategies=destHost,default',
        '--agent-bind-address=127.0.0.1',
        `--agent-port=${ports.konnAgent[i]}`,
        '--server-bind-address=127.0.0.1',
        `--server-port=${ports.konnServer[i]}`,
        '--health-bind-address=127.0.0.1',
        `--health-port=${ports.konnHealth[i]}`,
        `--cluster-cert=${konn.serverCert}`,
        `--cluster-key=${konn.serverKey}`,
        `--cluster-ca-cert=${certs.caCertPath}`,
        `--server-cert=${konn.serverCert}`,
        `--server-key=${konn.serverKey}`,
        `--server-ca-cert=${certs.caCertPath}`,
      ]),
    );
    await waitFor('the watch caches', watchCaches, async () => (await Promise.all(ports.watchCache.map((p) => tcpOpen('127.0.0.1', p)))).every(Boolean));
    const watchCacheServers = ports.watchCache.map((p) => `127.0.0.1:${p}`).join(',');
    log(`watch caches ready: ${watchCacheServers}`);

    const egress = (await egressFlag)
      ? REPLICA_IPS.map((_, i) =>
          writeEgressConfig(o.dir, i, ports.konnServer[i % KONNECTIVITY_SERVERS], { ca: certs.caCertPath, cert: konn.clientCert, key: konn.clientKey }),
        )
      : undefined;
    const replicas = REPLICA_IPS.map((ip, i) =>
      node(`apiserver-${i}`, [
        'apiserver',
        `--etcd-servers=${etcdServers}`,
        `--watch-cache-servers=${watchCacheServers}`,
        `--bind-address=${ip}`,
        `--advertise-address=${ip}`,
        `--secure-port=${ports.replica}`,
        `--tls-cert-file=${certs.servingCertPath}`,
        `--tls-private-key-file=${certs.servingKeyPath}`,
        `--client-ca-file=${certs.caCertPath}`,
        `--cert-dir=${pkiDir}`,
        ...(egress ? [`--egress-selector-config-file=${egress[i]}`] : []),
      ]),
    );
    await waitFor('the API replicas (/readyz)', [...replicas, ...watchCaches, bootstrap], async () => {
      const r = await Promise.all(REPLICA_IPS.map((ip) => getOk(`https://${ip}:${ports.replica}/readyz`, tls)));
      return r.every((x) => x !== undefined);
    });
    log(`API replicas ready: ${REPLICA_IPS.map((ip) => `https://${ip}:${ports.replica}`).join(' ')}${egress ? ' (egress through konnectivity)' : ''}`);
    await waitFor('the konnectivity servers', konnServers, async () => {
      const r = await Promise.all(ports.konnHealth.map((p) => getOk(`http://127.0.0.1:${p}/healthz`)));
      return r.every((x) => x !== undefined);
    });
    log(`konnectivity servers ready: agent ports ${ports.konnAgent.join(', ')}`);

    // the load balancer
    const haproxyCfg = join(o.dir, 'haproxy.cfg');
    writeFileSync(
      haproxyCfg,
      haproxyConfig({
        bindAddress: LB_ADDRESS,
        apiPort: ports.api,
        apiservers: REPLICA_IPS.map((host, i) => ({ name: `apiserver-${i}`, host, port: ports.replica })),
        tunnelPort: ports.tunnel,
        konnectivityServers: ports.konnAgent.map((port, i) => ({ name: `konnectivity-server-${i}`, host: '127.0.0.1', port, healthPort: ports.konnHealth[i] })),
      }),
    );
    const haproxy = exec('haproxy', BINARIES.haproxy.path, ['-db', '-f', haproxyCfg]);
    await waitFor(`haproxy (${apiURL}/readyz)`, [haproxy], async () => (await getOk(`${apiURL}/readyz`, tls)) !== undefined);
    log(`haproxy ready: API ${apiURL}, konnectivity agents ${LB_ADDRESS}:${ports.tunnel}`);

    // the nodes: one kubelet-sim process simulating N kubelets, one konnectivity agent per node
    mkdirSync(join(o.dir, 'sandboxes'), { recursive: true });
    const sim = node('kubelet-sim', [
      'kubelet-sim',
      `--kubeconfig=${kubeconfig}`,
      `--nodes=${o.nodes}`,
      '--node-name-prefix=sim-',
      '--listen-address=127.0.0.1',
      '--base-port=0',
      `--sandbox-dir=${join(o.dir, 'sandboxes')}`,
    ]);
    const agents = Array.from({ length: o.nodes }, (_, i) =>
      node(`konnectivity-agent-${i}`, [
        'konnectivity-agent',
        `--agent-id=sim-${i}`,
        `--agent-identifiers=host=sim-${i}&ipv4=127.0.0.1`,
        `--proxy-server-host=${LB_ADDRESS}`,
        `--proxy-server-port=${ports.tunnel}`,
        `--ca-cert=${certs.caCertPath}`,
        `--agent-cert=${konn.agentCerts[i]}`,
        `--agent-key=${konn.agentKeys[i]}`,
        '--health-server-port=0',
        '--admin-server-port=0',
      ]),
    );

    await waitFor(`${o.nodes} Ready node(s)`, [sim, haproxy], async () => {
      const r = await getOk(`${apiURL}/api/v1/nodes`, admin);
      if (!r) return false;
      const items = (JSON.parse(r.body).items ?? []) as { status?: { conditions?: { type: string; status: string }[] } }[];
      const ready = items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= o.nodes;
    });
    log(`nodes Ready: ${Array.from({ length: o.nodes }, (_, i) => `sim-${i}`).join(', ')}`);
    await waitFor('the konnectivity agents (every server /readyz)', [...agents, ...konnServers, haproxy], async () => {
      const r = await Promise.all(ports.konnHealth.map((p) => getOk(`http://127.0.0.1:${p}/readyz`)));
      return r.every((x) => x !== undefined);
    });
    log(`konnectivity agents connected to both servers`);
    await waitFor('Service kubernetes and its endpoints (3 replicas)', [bootstrap, ...replicas], async () => {
      const svc = await getOk(`${apiURL}/api/v1/namespaces/default/services/kubernetes`, admin);
      const ep = await getOk(`${apiURL}/api/v1/namespaces/default/endpoints/kubernetes`, admin);
      if (!svc || !ep) return false;
      const subsets = (JSON.parse(ep.body).subsets ?? []) as { addresses?: { ip: string }[] }[];
      return subsets.flatMap((s) => s.addresses ?? []).length >= REPLICA_IPS.length;
    });
    log('Service kubernetes lists all 3 replicas');

    // Prometheus scraping every component
    const promCfg = join(o.dir, 'prometheus.yml');
    writeFileSync(
      promCfg,
      prometheusConfig({
        apiservers: REPLICA_IPS.map((ip) => `${ip}:${ports.replica}`),
        watchCaches: ports.watchCacheMetrics.map((p) => `127.0.0.1:${p}`),
        konnectivityServers: ports.konnHealth.map((p) => `127.0.0.1:${p}`),
        bootstrapController: [`127.0.0.1:${ports.bootstrapMetrics}`],
        tls: { caFile: certs.caCertPath, certFile: certs.adminCertPath, keyFile: certs.adminKeyPath },
      }),
    );
    const promURL = `http://${LB_ADDRESS}:${ports.prometheus}`;
    const prometheus = exec('prometheus', BINARIES.prometheus.path, prometheusArgs(promCfg, join(o.dir, 'prometheus'), `${LB_ADDRESS}:${ports.prometheus}`));
    await waitFor(`Prometheus (${promURL}/-/ready)`, [prometheus], async () => (await getOk(`${promURL}/-/ready`)) !== undefined);
    log(`Prometheus ready: ${promURL} (scraping the replicas, watch caches, konnectivity servers, bootstrap controller)`);

    writeFileSync(
      join(o.dir, 'cluster.json'),
      JSON.stringify(
        {
          startedAt: new Date(t0).toISOString(),
          server: apiURL,
          kubeconfig,
          tunnel: `${LB_ADDRESS}:${ports.tunnel}`,
          replicas: REPLICA_IPS.map((ip) => `https://${ip}:${ports.replica}`),
          etcdServers: etcdServers.split(','),
          watchCacheServers: watchCacheServers.split(','),
          redis: redisURL,
          konnectivityServers: ports.konnAgent.map((p, i) => ({ agentPort: p, serverPort: ports.konnServer[i], healthPort: ports.konnHealth[i] })),
          nodes: o.nodes,
          prometheus: promURL,
          egressSelector: egress ?? null,
          processes: Object.fromEntries(procs.map((p) => [p.name, p.pid])),
        },
        null,
        2,
      ) + '\n',
    );
    return { kubeconfig, server: apiURL };
  } catch (e) {
    log(`start-up failed, stopping what was started`);
    await down({ dir: o.dir, log: () => undefined });
    throw e;
  }
}

/**
 * The egress selector configuration of replica `i`: cluster traffic (kubelets, pods, services) goes
 * through konnectivity server `i % 2`'s gRPC front end with mutual TLS. Upstream runs one server
 * next to each API server; every agent connects to every server, so any server reaches any node.
 */
function writeEgressConfig(dir: string, i: number, port: number, tls: { ca: string; cert: string; key: string }): string {
  const file = join(dir, `egress-selector-${i}.yaml`);
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
      `        url: https://127.0.0.1:${port}`,
      '        tlsConfig:',
      `          caBundle: ${tls.ca}`,
      `          clientCert: ${tls.cert}`,
      `          clientKey: ${tls.key}`,
      '',
    ].join('\n'),
  );
  return file;
}

// ---------------------------------------------------------------------------------------------
// down / status

export async function down(o: { dir: string; log: (line: string) => void }): Promise<{ stopped: string[]; killed: string[]; survivors: string[] }> {
  const entries = readPidFiles(o.dir);
  const stopped: string[] = [];
  const killed: string[] = [];
  const survivors: string[] = [];
  const tierOf = (name: string) => {
    const i = STOP_TIERS.findIndex((t) => t.names.some((prefix) => name === prefix || name.startsWith(`${prefix}-`)));
    return i < 0 ? 0 : i;
  };
  for (let tier = 0; tier < STOP_TIERS.length; tier++) {
    const batch = entries.filter((e) => tierOf(e.name) === tier);
    const live = batch.filter(isOurs);
    const groups = STOP_TIERS[tier].oneByOne ? live.map((e) => [e]) : live.length > 0 ? [live] : [];
    for (const group of groups) {
      o.log(`stopping ${group.map((e) => `${e.name} (${e.pid})`).join(', ')}`);
      const r = await stopAll(group, 5000);
      stopped.push(...group.map((e) => e.name));
      killed.push(...r.killed);
      survivors.push(...r.survivors);
      if (r.killed.length > 0) o.log(`  killed after 5 s: ${r.killed.join(', ')}`);
    }
    for (const e of batch) if (!survivors.includes(e.name)) removePidFile(o.dir, e.name);
  }
  if (survivors.length === 0) rmSync(join(o.dir, 'cluster.json'), { force: true });
  return { stopped, killed, survivors };
}

/** SIGKILL one component of a running cluster (chaos testing); returns the pid killed. */
export function killComponent(dir: string, name: string): number {
  const e = readPidFiles(dir).find((p) => p.name === name);
  if (!e || !isOurs(e)) throw new ClusterError(`${name} is not running in ${dir}`);
  process.kill(e.pid, 'SIGKILL');
  return e.pid;
}

/** Start one component again with the command line it was started with (it must not be running). */
export function restartComponent(dir: string, name: string): number {
  const e = readPidFiles(dir).find((p) => p.name === name);
  if (e && isOurs(e)) throw new ClusterError(`${name} is still running (pid ${e.pid})`);
  const cmd = readCommand(dir, name);
  if (!cmd) throw new ClusterError(`no recorded command line for ${name} in ${dir}`);
  return startDetached(dir, name, cmd.command, cmd.args, { cwd: cmd.cwd }).pid;
}

export function status(dir: string): { name: string; pid: number; alive: boolean }[] {
  return readPidFiles(dir).map((e) => ({ name: e.name, pid: e.pid, alive: isOurs(e) }));
}

// ---------------------------------------------------------------------------------------------
// command line

const USAGE = `usage: cluster.js up [--port N] [--tunnel-port N] [--prometheus-port N] [--nodes N] [--dir DIR] [--timeout SECONDS]
       cluster.js down [--dir DIR]
       cluster.js status [--dir DIR]
       cluster.js kill --component NAME [--dir DIR]      SIGKILL one component (chaos)
       cluster.js restart --component NAME [--dir DIR]   start it again with the same command line

  --port         haproxy's API port on 127.0.0.1 (default 6443, or a free port if taken)
  --tunnel-port  haproxy's konnectivity agent port on 127.0.0.1 (default 8132, or a free port if taken)
  --prometheus-port  Prometheus on 127.0.0.1 (default 9090, or a free port if taken)
  --nodes        simulated nodes, each with a konnectivity agent (default 3)
  --dir          state and logs (default $KUBERNEST_CLUSTER_DIR or <repo>/.kubernest-cluster)
  --timeout      give up starting after this many seconds (default 180)`;

function parseArgs(argv: string[]): { cmd: string; flags: Map<string, string> } {
  const [cmd = 'up', ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-h' || a === '--help') {
      flags.set('help', 'true');
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new ClusterError(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    const value = m[2] ?? rest[++i];
    if (value === undefined) throw new ClusterError(`--${m[1]} needs a value`);
    flags.set(m[1], value);
  }
  for (const k of flags.keys()) {
    if (!['help', 'port', 'tunnel-port', 'prometheus-port', 'nodes', 'dir', 'timeout', 'component'].includes(k)) throw new ClusterError(`unknown flag --${k}\n${USAGE}`);
  }
  return { cmd: cmd === '-h' || cmd === '--help' ? 'help' : cmd, flags };
}

function intFlag(flags: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ClusterError(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const log = (line: string) => console.log(line);
  try {
    const { cmd, flags } = parseArgs(argv);
    if (cmd === 'help' || flags.has('help')) {
      console.log(USAGE);
      return 0;
    }
    const dirFlag = flags.get('dir') ?? process.env.KUBERNEST_CLUSTER_DIR ?? join(REPO_ROOT, '.kubernest-cluster');
    const dir = isAbsolute(dirFlag) ? dirFlag : resolve(dirFlag);
    if (cmd === 'up') {
      const opts: UpOptions = {
        dir,
        port: intFlag(flags, 'port', 1, 65535),
        tunnelPort: intFlag(flags, 'tunnel-port', 1, 65535),
        prometheusPort: intFlag(flags, 'prometheus-port', 1, 65535),
        nodes: intFlag(flags, 'nodes', 1, 250) ?? 3,
        timeoutMs: (intFlag(flags, 'timeout', 10, 3600) ?? 180) * 1000,
        log,
      };
      checkPrerequisites();
      log(`starting a local HA Kubernest in ${dir} (logs in ${join(dir, 'logs')})`);
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) return;
        interrupted = true;
        log('interrupted: stopping what was started');
        void down({ dir, log }).finally(() => process.exit(130));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const t0 = Date.now();
      const r = await up(opts);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      log('');
      log(`Kubernest is up (${((Date.now() - t0) / 1000).toFixed(1)} s): 3 etcd, redis, 2 watch caches, 3 API replicas behind haproxy, bootstrap controller, 2 konnectivity servers, ${opts.nodes} node(s)`);
      log(`API server: ${r.server}`);
      log(`kubeconfig: ${r.kubeconfig}`);
      log(`  export KUBECONFIG=${r.kubeconfig}`);
      log(`stop it with: npm run cluster:down${flags.has('dir') || process.env.KUBERNEST_CLUSTER_DIR ? ` (with KUBERNEST_CLUSTER_DIR=${dir})` : ''}`);
      return 0;
    }
    if (cmd === 'down') {
      const r = await down({ dir, log });
      if (r.stopped.length === 0) log(`nothing running from ${dir}`);
      if (r.survivors.length > 0) {
        console.error(`could not stop: ${r.survivors.join(', ')}`);
        return 1;
      }
      if (r.stopped.length > 0) log(`stopped ${r.stopped.length} process(es); logs kept in ${join(dir, 'logs')}`);
      return 0;
    }
    if (cmd === 'kill' || cmd === 'restart') {
      const name = flags.get('component');
      if (!name) throw new ClusterError(`${cmd} needs --component NAME (see \`status\`)`);
      const pid = cmd === 'kill' ? killComponent(dir, name) : restartComponent(dir, name);
      log(`${cmd === 'kill' ? 'killed' : 'restarted'} ${name} (pid ${pid})`);
      return 0;
    }
    if (cmd === 'status') {
      const s = status(dir);
      if (s.length === 0) log(`nothing running from ${dir}`);
      for (const p of s) log(`${p.name.padEnd(24)} ${String(p.pid).padStart(7)}  ${p.alive ? 'running' : 'gone'}`);
      return s.length > 0 && s.every((p) => p.alive) ? 0 : 1;
    }
    throw new ClusterError(`unknown command ${JSON.stringify(cmd)}\n${USAGE}`);
  } catch (e) {
    console.error(e instanceof ClusterError ? `cluster: ${e.message}` : `cluster: ${(e as Error).stack ?? e}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
