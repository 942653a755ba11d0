/**
 * Service reference → a ready backend address, as upstream's endpoint-based ServiceResolver
 * (--enable-aggregator-routing; we have no service network, so we always route to endpoints): the
 * Service must exist and (ClusterIP) listen on the port; its EndpointSlices (label
 * kubernetes.io/service-name), or else its Endpoints, give the ready addresses for that port's name.
 * Failures carry the availability controller's reason and message.
 */
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';

type Json = Record<string, unknown>;

export interface BackendAddress {
  ip: string;
  port: number;
}

export type ResolveReason = 'ServiceNotFound' | 'ServiceAccessError' | 'ServicePortError' | 'EndpointsNotFound' | 'EndpointsAccessError' | 'MissingEndpoints';

export class ResolveError extends Error {
  constructor(
    readonly reason: ResolveReason,
    message: string,
    /** Unknown for access errors, False otherwise */
    readonly status: 'False' | 'Unknown' = 'False',
  ) {
    super(message);
  }
}

export interface ResolverStores {
  services(): Store | undefined;
  endpointSlices(): Store | undefined;
  endpoints(): Store | undefined;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function arr<T = Json>(v: unknown): T[] {
  return Array.isArray(v) ? (v as T[]) : [];
}

/** Every ready address serving the Service's `port` (throws ResolveError with upstream's reasons). */
export async function resolveBackends(stores: ResolverStores, namespace: string, name: string, port: number): Promise<BackendAddress[]> {
  const where = `service/${name} in ${JSON.stringify(namespace)}`;
  let svc: KObject;
  try {
    const s = stores.services();
    if (!s) throw new ResolveError('ServiceNotFound', `${where} is not present`);
    svc = await s.get(namespace, name);
  } catch (e) {
    if (e instanceof ResolveError) throw e;
    if (isStatusError(e) && e.code === 404) throw new ResolveError('ServiceNotFound', `${where} is not present`);
    throw new ResolveError('ServiceAccessError', `${where} cannot be checked due to: ${(e as Error).message}`, 'Unknown');
  }
  const spec = (svc.spec ?? {}) as Json;
  const type = (spec.type as string | undefined) ?? 'ClusterIP';
  const ports = arr<{ name?: string; port: number; targetPort?: number | string }>(spec.ports);
  const sp = ports.find((p) => p.port === port);
  if (type === 'ClusterIP' && !sp) throw new ResolveError('ServicePortError', `${where} is not listening on port ${port}`);
  const portName = sp?.name ?? '';
  const out: BackendAddress[] = [];
  let sawEndpoints = false;
  try {
    const slices = stores.endpointSlices();
    if (slices) {
      const list = await slices.list(namespace, { predicate: (o) => o.metadata.labels?.[SERVICE_NAME_LABEL] === name });
      for (const slice of list.items) {
        sawEndpoints = true;
        const p = arr<{ name?: string; port?: number }>((slice as Json).ports).find((x) => (x.name ?? '') === portName && typeof x.port === 'number');
        if (!p) continue;
        for (const ep of arr<{ addresses?: string[]; conditions?: { ready?: boolean } }>((slice as Json).endpoints)) {
          if (ep.conditions?.ready === false) continue;
          for (const ip of ep.addresses ?? []) out.push({ ip, port: p.port! });
        }
      }
    }
    if (!out.length) {
      const eps = stores.endpoints();
      const e = eps ? await eps.get(namespace, name).catch((err) => (isStatusError(err) && err.code === 404 ? undefined : Promise.reject(err))) : undefined;
      if (e) {
        sawEndpoints = true;
        for (const subset of arr<{ addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }>((e as Json).subsets)) {
          const p = (subset.ports ?? []).find((x) => (x.name ?? '') === portName) ?? (portName === '' && subset.ports?.length === 1 ? subset.ports[0] : undefined);
          if (!p) continue;
          for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port: p.port });
        }
      }
    }
  } catch (e) {
    throw new ResolveError('EndpointsAccessError', `${where} cannot be checked due to: ${(e as Error).message}`, 'Unknown');
  }
  if (!sawEndpoints) throw new ResolveError('EndpointsNotFound', `cannot find endpointslices for ${where}`);
  if (!out.length) throw new ResolveError('MissingEndpoints', `endpointslices for ${where} have no addresses with port name ${JSON.stringify(portName)}`);
  return out;
}

/** One backend, picked at random (upstream's resolver picks a random ready address too). */
export async function resolveBackend(stores: ResolverStores, namespace: string, name: string, port: number): Promise<BackendAddress> {
  const all = await resolveBackends(stores, namespace, name, port);
  return all[Math.floor(Math.random() * all.length)];
}
