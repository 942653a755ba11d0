/**
 * The APIService Available condition (upstream's local and remote available controllers), run on
 * every replica: local APIServices are `True/Local`; a remote one is checked on every change and
 * every 10 s — the Service exists (ServiceNotFound), listens on the port (ServicePortError), has
 * endpoint slices (EndpointsNotFound) with a ready address for the port's name (MissingEndpoints),
 * and `GET /apis/<group>/<version>` on a backend (as system:kube-aggregator in system:masters,
 * TLS not verified, 5 s) answers 2xx (FailedDiscoveryCheck otherwise) → `True/Passed`. Messages
 * as upstream. The status is written only when it changed (replicas agree, so writes are idempotent);
 * the successful check's APIResourceList feeds RemoteDiscovery.
 */
import { StatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';
import { apiServiceCondition, apiServiceService, type APIServiceCondition } from '../../../../libs/resources/src/apiregistration/apiservices';
import type { Dialer } from '../egress/egress-selector';
import { backendTLS } from './proxy';
import type { RemoteDiscovery } from './remote-discovery';
import { resolveBackends, ResolveError, type BackendAddress, type ResolverStores } from './resolver';
import { backendGet, hostPort, type ProxyClientCert } from './transport';

type Json = Record<string, unknown>;

export const LOCAL_CONDITION: APIServiceCondition = { type: 'Available', status: 'True', reason: 'Local', message: 'Local APIServices are always available' };

export interface AvailabilityDeps {
  /** every APIService (informer contents) */
  list(): KObject[];
  get(name: string): KObject | undefined;
  apiServices(): Store | undefined;
  stores: ResolverStores;
  dialer: Dialer;
  client(): ProxyClientCert | undefined;
  discovery: RemoteDiscovery;
  intervalMs?: number;
  /** overrides the discovery GET (tests) */
  fetch?(addr: BackendAddress, s: KObject, path: string): Promise<{ status: number; body: Buffer }>;
  /** overrides endpoint resolution (tests) */
  resolveAll?(namespace: string, name: string, port: number): Promise<BackendAddress[]>;
}

const NO_CHANGE = new Error('no change');

/** same status, reason and message (lastTransitionTime aside) */
function sameCondition(a: APIServiceCondition | undefined, b: APIServiceCondition): boolean {
  return !!a && a.status === b.status && (a.reason ?? '') === (b.reason ?? '') && (a.message ?? '') === (b.message ?? '');
}

/** apiregistrationv1apihelper.SetAPIServiceCondition: same status keeps lastTransitionTime. Returns whether anything changed. */
export function setAvailableCondition(s: KObject, cond: APIServiceCondition, now = new Date()): boolean {
  const status = (s.status ??= {}) as Json;
  const list = Array.isArray(status.conditions) ? (status.conditions as APIServiceCondition[]) : [];
  const cur = list.find((c) => c.type === cond.type);
  if (sameCondition(cur, cond)) return false;
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const next: APIServiceCondition = { type: cond.type, status: cond.status, lastTransitionTime: cur && cur.status === cond.status ? cur.lastTransitionTime ?? ts : ts };
  if (cond.reason) next.reason = cond.reason;
  if (cond.message) next.message = cond.message;
  status.conditions = cur ? list.map((c) => (c.type === cond.type ? next : c)) : [...list, next];
  return true;
}

export class AvailabilityController {
  private timer?: NodeJS.Timeout;
  private readonly running = new Map<string, boolean>();
  private readonly lastRecheck = new Map<string, number>();
  private stopped = false;

  constructor(private readonly deps: AvailabilityDeps) {}

  start(): void {
    this.timer = setInterval(() => this.resyncAll(), this.deps.intervalMs ?? 10_000);
    this.timer.unref();
    this.resyncAll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  resyncAll(): void {
    for (const s of this.deps.list()) this.enqueue(s.metadata.name ?? '');
  }

  /** a proxied request failed: check again, at most every 2 s per APIService */
  recheck(name: string): void {
    const now = Date.now();
    if (now - (this.lastRecheck.get(name) ?? 0) < 2000) return;
    this.lastRecheck.set(name, now);
    this.enqueue(name);
  }

  /** checks one APIService now (coalescing concurrent requests) */
  enqueue(name: string): void {
    if (!name || this.stopped) return;
    if (this.running.has(name)) {
      this.running.set(name, true);
      return;
    }
    this.running.set(name, false);
    void (async () => {
      try {
        for (;;) {
          await this.sync(name);
          if (!this.running.get(name) || this.stopped) break;
          this.running.set(name, false);
        }
      } catch (e) {
        if (!this.stopped) console.warn(`apiservice ${name}: availability check failed: ${(e as Error).message}`);
      } finally {
        this.running.delete(name);
      }
    })();
  }

  /** The condition the checks give (exported for tests). */
  async check(s: KObject): Promise<{ cond: APIServiceCondition; resources?: Json[] }> {
    const svc = apiServiceService(s);
    if (!svc) return { cond: LOCAL_CONDITION };
    const spec = (s.spec ?? {}) as Json;
    let backends: BackendAddress[];
    try {
      backends = this.deps.resolveAll ? await this.deps.resolveAll(svc.namespace, svc.name, svc.port) : await resolveBackends(this.deps.stores, svc.namespace, svc.name, svc.port);
    } catch (e) {
      if (e instanceof ResolveError) return { cond: { type: 'Available', status: e.status, reason: e.reason, message: e.message } };
      throw e;
    }
    const path = s.metadata.name === 'v1.' ? `/api/${String(spec.version ?? '')}` : `/apis/${String(spec.group ?? '')}/${String(spec.version ?? '')}`;
    const attempts = Math.min(5, backends.length);
    const picks = [...backends].sort(() => Math.random() - 0.5).slice(0, attempts);
    const results = await Promise.all(picks.map((addr) => this.attempt(addr, s, path)));
    const ok = results.find((r) => !r.error);
    if (ok) return { cond: { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }, resources: ok.resources };
    return { cond: { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: results[results.length - 1].error! } };
  }

  private async attempt(addr: BackendAddress, s: KObject, path: string): Promise<{ error?: string; resources?: Json[] }> {
    const url = `https://${hostPort(addr)}${path}`;
    const fetch =
      this.deps.fetch ??
      ((a: BackendAddress, svc: KObject, p: string) =>
        backendGet(this.deps.dialer, a, { ...backendTLS(svc, this.deps.client()), insecure: true }, p, { 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters', Accept: 'application/json' }, 5_000));
    const timeout = new Promise<{ error: string }>((r) => setTimeout(() => r({ error: `timed out waiting for ${url}` }), 6_000).unref());
    const work = (async () => {
      try {
        const res = await fetch(addr, s, path);
        if (res.status < 200 || res.status >= 300) return { error: `failing or missing response from ${url}: bad status from ${url}: ${res.status}` };
        let resources: Json[] | undefined;
        try {
          const doc = JSON.parse(res.body.toString('utf8')) as Json;
          if (Array.isArray(doc.resources)) resources = doc.resources as Json[];
        } catch {
          /* not JSON: discovery stays as it was */
        }
        return { resources };
      } catch (e) {
        return { error: `failing or missing response from ${url}: Get ${JSON.stringify(url)}: ${(e as Error).message}` };
      }
    })();
    return Promise.race([work, timeout]);
  }

  private async sync(name: string): Promise<void> {
    const s = this.deps.get(name);
    if (!s) {
      this.deps.discovery.forget(name);
      return;
    }
    const { cond, resources } = await this.check(s);
    if (apiServiceService(s)) {
      if (cond.status === 'True') this.deps.discovery.record(name, resources ?? this.deps.discovery.resourcesOf(name) ?? []);
      else this.deps.discovery.markStale(name);
    }
    if (sameCondition(apiServiceCondition(s), cond)) return;
    await this.writeCondition(name, cond);
  }

  private async writeCondition(name: string, cond: APIServiceCondition): Promise<void> {
    const store = this.deps.apiServices();
    if (!store) return;
    const cur = this.deps.get(name);
    const prev = cur && apiServiceCondition(cur);
    // upstream logs every change at -v=2; local ones (all True/Local at start) are not worth a line
    if (cur && apiServiceService(cur) && (!prev || prev.status !== cond.status)) console.log(`changing APIService availability: name=${name} oldStatus=${prev?.status ?? 'Unknown'} newStatus=${cond.status} message=${JSON.stringify(cond.message ?? '')} reason=${JSON.stringify(cond.reason ?? '')}`);
    try {
      await store.update(
        '',
        name,
        (current) => {
          if (!setAvailableCondition(current, cond)) throw NO_CHANGE;
          return current;
        },
        { subresource: 'status' },
      );
    } catch (e) {
      if (e === NO_CHANGE) return;
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }
}
