/**
 * `etcd_request_duration_seconds{operation,type}` (upstream's storage metric, upstream buckets):
 * every call of an etcd-backed Storage timed, `type` being the resource's key prefix
 * (`configmaps`, `deployments`...). Installed as a Proxy around the etcd backend, so `instanceof`
 * and the backend's other members keep working.
 */
import { Histogram, Registry } from 'prom-client';
import type { Storage } from '../interface';
import { aroundStorageMethods } from '../storage-proxy';

export const ETCD_REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 10, 15, 20, 30, 45, 60];

const OPERATIONS: Record<string, string> = {
  create: 'create',
  get: 'get',
  list: 'list',
  guaranteedUpdate: 'update',
  delete: 'delete',
  count: 'listWithCount',
  currentRevision: 'getCurrentResourceVersion',
  compact: 'compact',
};

const MEASURED = new Set(Object.keys(OPERATIONS));

export class EtcdRequestMetrics {
  readonly registry = new Registry();
  readonly duration = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'],
    buckets: ETCD_REQUEST_DURATION_BUCKETS,
    registers: [this.registry],
  });

  /** `storage` with every call timed. */
  measure<S extends Storage>(storage: S): S {
    return aroundStorageMethods(storage, MEASURED, (method, args, call) => {
      const end = this.duration.startTimer({ operation: OPERATIONS[method], type: typeOf(args[0]) });
      const p = call();
      p.then(() => end(), () => end());
      return p;
    });
  }
}

/** the first key segment: `/configmaps/ns/x` → `configmaps` (bounded: one value per resource) */
function typeOf(key: unknown): string {
  if (typeof key !== 'string') return '';
  const seg = key.split('/').filter((s) => s !== '')[0] ?? '';
  return /^[a-z0-9.-]{1,63}$/.test(seg) ? seg : '';
}
