/**
 * A Storage that records a span per call (`storage.Get`, `storage.List`, `storage.GuaranteedUpdate`
 * ...) with the key and the backend, as children of the request's span. Wrap a storage only when
 * tracing is on (`tracedStorage` returns the storage itself otherwise): the wrapper is a Proxy, so
 * `instanceof` checks and extra members of the wrapped class keep working.
 */
import { SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import type { Storage } from './interface';

const TRACED = new Set(['create', 'get', 'list', 'guaranteedUpdate', 'delete', 'count', 'currentRevision', 'compact']);

const spanName = (method: string) => `storage.${method[0].toUpperCase()}${method.slice(1)}`;

export function tracedStorage<S extends Storage>(storage: S, system: string): S {
  if (!tracingEnabled()) return storage;
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !TRACED.has(prop) || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) =>
        withSpan(spanName(prop), { 'db.system': system, 'k8s.storage.key': typeof args[0] === 'string' ? args[0] : undefined }, () => fn.apply(target, args), SpanKind.CLIENT);
    },
  });
}
