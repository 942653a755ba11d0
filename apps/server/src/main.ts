/**
 * `kubernest server`: the whole control plane in one process — the API server, the in-process
 * watch cache (lists and watches from memory, fed by the SQLite log) and the bootstrap controller —
 * over the embedded SQLite store in --data-dir (or etcd with --etcd-servers). The tunnel server
 * joins here when it lands.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { startApiserver } from '../../apiserver/src/main';
import { startTracingFromFlag } from '../../apiserver/src/config/tracing-flag';
import { BootstrapControllerModule } from '../../bootstrap-controller/src/bootstrap-controller.module';
import { CachedStorage } from '../../../libs/cacher/src/cached-storage';
import { loadEtcdBackend } from '../../../libs/storage/src/etcd/load';
import type { Storage } from '../../../libs/storage/src/interface';
import { embeddedTunnel } from './embedded-tunnel';
import { parseServerFlags, ServerConfig } from './server-options';
import { openEmbeddedStorage } from './embedded-storage';

/** A start-up problem the operator can fix: printed as one line, exit 1, no stack trace. */
export class StartupError extends Error {}

/** The nearest folder at or above `dir` that exists. */
function existingAncestor(dir: string): string {
  let d = resolve(dir);
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

function ensureDataDir(dir: string): void {
  try {
    // check the nearest existing folder first: a recursive mkdir under e.g. /proc never returns
    const ancestor = existingAncestor(dir);
    if (!statSync(ancestor).isDirectory()) throw Object.assign(new Error(`${ancestor} is not a directory`), { code: 'ENOTDIR' });
    accessSync(ancestor, constants.W_OK);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new StartupError(`data dir ${dir} is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function openStorage(cfg: ServerConfig): Storage {
  const a = cfg.apiserver;
  if (a.etcdServers.length > 0) return new (loadEtcdBackend().EtcdStorage)({ endpoints: a.etcdServers, prefix: a.etcdPrefix });
  try {
    // lists and watches from the in-process watch cache (fed by the SQLite log), writes to SQLite
    return new CachedStorage(openEmbeddedStorage(cfg.databasePath, a.etcdPrefix));
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
}

export async function runServer(argv: string[]): Promise<void> {
  const cfg = parseServerFlags(argv);
  startTracingFromFlag('apiserver', cfg.apiserver.tracingConfigFile);
  ensureDataDir(cfg.dataDir);
  const storage = openStorage(cfg);
  let running;
  try {
    const a = cfg.apiserver;
    // the bootstrap controller runs in this process, on the same storage
    const bootstrap = BootstrapControllerModule.forRoot(
      { serviceClusterIPRanges: a.serviceClusterIPRanges.map((r) => r.cidr), serviceNodePortRange: a.serviceNodePortRange, securePort: a.securePort || 443, redisUrl: cfg.redisUrl },
      { storage },
    );
    // the tunnel server too, unless disabled or an egress configuration file says otherwise
    const tunnel = a.egressSelector
      ? undefined
      : await embeddedTunnel({ agentPort: cfg.konnectivityAgentPort, bindAddress: a.bindAddress, certDir: a.certDir });
    const apiserverConfig = tunnel ? { ...a, egressSelector: tunnel.egress } : a;
    running = await startApiserver(apiserverConfig, { storage, imports: tunnel ? [bootstrap, tunnel.module] : [bootstrap] });
    if (tunnel) console.log(`tunnel server: node agents connect to ${a.bindAddress}:${tunnel.agentPort}`);
  } catch (e) {
    await storage.close().catch(() => undefined);
    throw e;
  }
  const addr = running.app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : cfg.apiserver.securePort;
  const store = cfg.databasePath ? `embedded store ${cfg.databasePath}` : `etcd ${cfg.apiserver.etcdServers.join(',')}`;
  console.log(`kubernest server serving on https://${cfg.apiserver.bindAddress}:${port} (${store})`);
  if (running.kubeconfigPath) console.log(`admin kubeconfig: ${running.kubeconfigPath}`);
}
