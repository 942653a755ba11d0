/**
 * A Storage that records a span per call (`storage.Get`, `storage.List`, `storage.GuaranteedUpdate`
 * ...) with the key and the backend, as children of the request's span. Wrap a storage only when
 * tracing is on (`tracedStorage` returns the storage itself otherwise): the wrapper is a Proxy, so
 * `instanceof` checks and extra members of the wrapped class keep working.
 */
import { SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import type { Storage } from './interface';
import { aroundStorageMethods } from './storage-proxy';

const TRACED = new Set(['create', 'get', 'list', 'guaranteedUpdate', 'delete', 'count', 'currentRevision', 'compact']);

const spanName = (method: string) => `storage.${method[0].toUpperCase()}${method.slice(1)}`;

export function tracedStorage<S extends Storage>(storage: S, system: string): S {
  if (!tracingEnabled()) return storage;
  return aroundStorageMethods(storage, TRACED, (method, args, call) =>
    withSpan(spanName(method), { 'db.system': system, 'k8s.storage.key': typeof args[0] === 'string' ? args[0] : undefined }, call, SpanKind.CLIENT),
  );
}
