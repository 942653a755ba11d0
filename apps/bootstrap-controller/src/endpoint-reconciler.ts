/**
 * The lease endpoint reconciler (upstream pkg/controlplane/reconcilers/lease.go), run in every API
 * replica: the replica keeps `<prefix>/masterleases/<advertise-ip>` (a v1 Endpoints value) alive
 * with a TTL, refreshed every interval, and sets Endpoints default/kubernetes (and the EndpointSlice
 * `kubernetes`) to exactly the IPs holding a lease. Writes happen only when something differs; an
 * empty lease list is refused. On graceful shutdown the replica drops its lease and reconciles at
 * once, so the others stop sending it traffic.
 *
 * The Endpoints and EndpointSlice are written through the Store (system metadata, CAS), but with
 * the IP validation of user writes left out: a replica advertising a loopback address (tests,
 * single-host setups) is listed too.
 */
import type { KObject } from '../../../libs/apimachinery/src/types';
import { StatusError } from '../../../libs/apimachinery/src/status';
import type { ResourceRegistry } from '../../../libs/registry/src/registry';
import type { ResourceDefinition } from '../../../libs/registry/src/resource';
import { Store } from '../../../libs/registry/src/store';
import { isStorageError, Storage } from '../../../libs/storage/src/interface';
import { KUBERNETES_SERVICE_NAME, KUBERNETES_SERVICE_NAMESPACE } from './kubernetes-service';
import { every, Loop } from './loop';

export const MASTER_LEASES_PREFIX = '/masterleases/';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const DEFAULT_LEASE_TTL_SECONDS = 15;
export const DEFAULT_RECONCILE_INTERVAL_MS = 10_000;

/** No lease left: the Endpoints are kept as they are (upstream refuses to erase them all). */
export class RefusingToEraseError extends Error {
  constructor() {
    super('no API server IP addresses were listed in storage, refusing to erase all endpoints for the kubernetes Service');
  }
}

export interface EndpointReconcilerOptions {
  /** this replica's advertise address */
  ip: string;
  /** the secure port, or a function answering it once known (undefined: not serving yet, retry) */
  port: number | (() => number | undefined);
  ttlSeconds?: number;
  intervalMs?: number;
  /** how soon to retry while the port is not known yet (default 200 ms) */
  notReadyRetryMs?: number;
}

/** The definition with validation left out (the reconciler's own, well-formed writes only). */
function unvalidated(def: ResourceDefinition): ResourceDefinition {
  return { ...def, strategy: { ...def.strategy, validate: undefined, validateUpdate: undefined } };
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class LeaseEndpointReconciler {
  protected readonly endpoints: Store;
  private readonly slices?: Store;
  protected loop?: Loop;
  protected stopped = false;

  constructor(
    protected readonly storage: Storage,
    registry: ResourceRegistry,
    protected readonly opts: EndpointReconcilerOptions,
  ) {
    const ep = registry.lookup('', 'v1', 'endpoints');
    if (!ep) throw new Error('endpoint reconciler: endpoints are not registered');
    this.endpoints = new Store(unvalidated(ep), storage);
    const slices = registry.lookup('discovery.k8s.io', 'v1', 'endpointslices');
    if (slices) this.slices = new Store(unvalidated(slices), storage);
  }

  private get ttl(): number {
    return this.opts.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
  }

  protected port(): number | undefined {
    return typeof this.opts.port === 'function' ? this.opts.port() : this.opts.port;
  }

  private leaseKey(ip = this.opts.ip): string {
    return `${MASTER_LEASES_PREFIX}${ip}`;
  }

  start(): void {
    if (this.loop || this.stopped) return;
    const interval = this.opts.intervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    const retry = this.opts.notReadyRetryMs ?? 200;
    const tick = async () => {
      // not serving yet: try again soon instead of waiting a whole interval
      while (this.port() === undefined && !this.stopped) await new Promise((r) => setTimeout(r, retry));
      if (!this.stopped) await this.reconcile();
    };
    this.loop = every(interval, tick, { onError: (e) => console.warn(`endpoint reconciler: ${(e as Error).message ?? e}`) });
  }

  /** Refresh this replica's lease, then bring Endpoints (and the EndpointSlice) in line with the leases. */
  async reconcile(): Promise<void> {
    const port = this.port();
    if (port === undefined) return;
    await this.updateLease(port);
    await this.sync(port);
  }

  /** Graceful shutdown: stop refreshing, drop our lease, reconcile at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.stop();
    this.loop = undefined;
    try {
      await this.storage.delete(this.leaseKey());
    } catch (e) {
      if (!isStorageError(e, 'KeyNotFound')) {
        console.warn(`endpoint reconciler: failed to remove lease ${this.opts.ip}: ${(e as Error).message}`);
        return;
      }
    }
    const port = this.port();
    if (port === undefined) return;
    try {
      await this.sync(port);
    } catch (e) {
      // the last replica going away leaves its address in place: expected, not worth a warning
      if (!(e instanceof RefusingToEraseError)) console.warn(`endpoint reconciler: ${(e as Error).message}`);
    }
  }

  /** Write the lease with a fresh TTL; generation is bumped so the write is never skipped as a no-op. */
  protected async updateLease(port: number): Promise<void> {
    const ip = this.opts.ip;
    await this.storage.guaranteedUpdate(
      this.leaseKey(),
      (current) => {
        const generation = typeof current?.metadata.generation === 'number' ? current.metadata.generation + 1 : 1;
        return {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: { name: ip, generation },
          subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
        };
      },
      { ignoreNotFound: true, ttlSeconds: this.ttl },
    );
  }

  /** The IPs holding a lease, sorted. */
  async listLeases(): Promise<string[]> {
    const res = await this.storage.list(MASTER_LEASES_PREFIX);
    const ips = new Set<string>();
    for (const item of res.items) {
      const subsets = (item as { subsets?: { addresses?: { ip?: string }[] }[] }).subsets ?? [];
      const ip = subsets[0]?.addresses?.[0]?.ip ?? item.metadata.name;
      if (ip) ips.add(ip);
    }
    return [...ips].sort();
  }

  protected async sync(port: number): Promise<void> {
    await this.syncWith(await this.listLeases(), port);
  }

  /** Endpoints (and the EndpointSlice) listing exactly `ips`. */
  protected async syncWith(ips: string[], port: number): Promise<void> {
    if (ips.length === 0) throw new RefusingToEraseError();
    await this.syncEndpoints(ips, port);
    if (this.slices) await this.syncSlice(ips, port);
  }

  private async syncEndpoints(ips: string[], port: number): Promise<void> {
    const subsets = [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }];
    await this.apply(this.endpoints, (cur) => {
      const labels = { ...(cur?.metadata.labels ?? {}), [SKIP_MIRROR_LABEL]: 'true' };
      if (cur && jsonEqual(cur.subsets, subsets) && jsonEqual(cur.metadata.labels, labels)) return null;
      return { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...(cur?.metadata ?? { name: KUBERNETES_SERVICE_NAME }), labels }, subsets };
    });
  }

  private async syncSlice(ips: string[], port: number): Promise<void> {
    const addressType = ips[0].includes(':') ? 'IPv6' : 'IPv4';
    const endpoints = ips.filter((ip) => ip.includes(':') === (addressType === 'IPv6')).map((ip) => ({ addresses: [ip], conditions: { ready: true } }));
    const ports = [{ name: 'https', port, protocol: 'TCP' }];
    await this.apply(this.slices!, (cur) => {
      const labels = { ...(cur?.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: KUBERNETES_SERVICE_NAME };
      if (cur && cur.addressType === addressType && jsonEqual(cur.endpoints, endpoints) && jsonEqual(cur.ports, ports) && jsonEqual(cur.metadata.labels, labels)) {
        return null;
      }
      if (cur && cur.addressType !== addressType) return 'recreate';
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { ...(cur?.metadata ?? { name: KUBERNETES_SERVICE_NAME }), labels },
        addressType,
        endpoints,
        ports,
      };
    });
  }

  /**
   * Read, compare, write: `desired` gets the current object (or null) and answers null when it is
   * already right, 'recreate' when it must be deleted first, or the object to write.
   */
  private async apply(store: Store, desired: (cur: KObject | null) => KObject | null | 'recreate'): Promise<void> {
    const ns = KUBERNETES_SERVICE_NAMESPACE;
    const name = KUBERNETES_SERVICE_NAME;
    let cur: KObject | null = null;
    try {
      cur = await store.get(ns, name);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    let want = desired(cur);
    if (want === null) return;
    if (want === 'recreate') {
      await store.delete(ns, name, { preconditions: { uid: cur!.metadata.uid } });
      cur = null;
      want = desired(null) as KObject;
    }
    if (cur === null) {
      store.def.strategy.default?.(want);
      try {
        await store.create(ns, want);
      } catch (e) {
        // another replica created it: the next pass compares again
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
      return;
    }
    const body = want;
    await store.update(ns, name, () => body);
  }
}

/**
 * upstream's master-count reconciler (--endpoint-reconciler-type=master-count with
 * --apiserver-count): no leases; each replica adds its own IP to Endpoints kubernetes, trimming
 * the others so at most apiserver-count remain, and removes itself on graceful shutdown. A
 * replica that dies without shutting down stays listed (upstream's known weakness; use lease).
 */
export class MasterCountEndpointReconciler extends LeaseEndpointReconciler {
  constructor(storage: Storage, registry: ResourceRegistry, opts: EndpointReconcilerOptions & { apiserverCount: number }) {
    super(storage, registry, opts);
    this.count = Math.max(1, opts.apiserverCount);
  }

  private readonly count: number;

  protected override async updateLease(): Promise<void> {
    // no leases: membership is the Endpoints object itself
  }

  private async currentIPs(): Promise<string[]> {
    try {
      const ep = await this.endpoints.get('default', 'kubernetes');
      const subsets = (ep as { subsets?: { addresses?: { ip?: string }[] }[] }).subsets ?? [];
      return subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip ?? '')).filter((ip) => ip !== '');
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return [];
      throw e;
    }
  }

  override async listLeases(): Promise<string[]> {
    const others = (await this.currentIPs()).filter((ip) => ip !== this.opts.ip).sort();
    return [...others.slice(0, this.count - 1), this.opts.ip].sort();
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    await this.loop?.stop();
    this.loop = undefined;
    const port = this.port();
    if (port === undefined) return;
    const rest = (await this.currentIPs()).filter((ip) => ip !== this.opts.ip).sort();
    try {
      if (rest.length > 0) await this.syncWith(rest, port);
    } catch (e) {
      console.warn(`endpoint reconciler: failed to remove ${this.opts.ip}: ${(e as Error).message}`);
    }
  }
}

/**
 * Nest lifecycle of the reconciler inside an API replica: starts once the module is up (the first
 * reconcile waits until the HTTPS server is listening), and on shutdown drops the lease and
 * reconciles before the storage is closed (beforeApplicationShutdown runs before the storage's
 * onApplicationShutdown).
 */
export class EndpointReconcilerLifecycle {
  constructor(readonly reconciler: LeaseEndpointReconciler | undefined) {}

  static forApiserver(
    config: { endpointReconcilerType?: string; advertiseAddress: string; securePort: number; apiserverCount?: number },
    storage: Storage,
    registry: ResourceRegistry,
    listeningPort: () => number | undefined,
    opts: Partial<Pick<EndpointReconcilerOptions, 'ttlSeconds' | 'intervalMs'>> = {},
  ): EndpointReconcilerLifecycle {
    const type = config.endpointReconcilerType ?? 'lease';
    if (type === 'none' || !config.advertiseAddress) return new EndpointReconcilerLifecycle(undefined);
    const port = () => (config.securePort > 0 ? (listeningPort() === undefined ? undefined : config.securePort) : listeningPort());
    const o = { ip: config.advertiseAddress, port, ...opts };
    return new EndpointReconcilerLifecycle(
      type === 'master-count'
        ? new MasterCountEndpointReconciler(storage, registry, { ...o, apiserverCount: config.apiserverCount ?? 1 })
        : new LeaseEndpointReconciler(storage, registry, o),
    );
  }

  onApplicationBootstrap(): void {
    this.reconciler?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reconciler?.stop();
  }
}
