/**
 * A Proxy around a Storage that routes the calls of some methods through `around` (timing,
 * tracing...). `instanceof` checks and the wrapped class's other members keep working.
 */
import type { Storage } from './interface';

export type StorageCall = (method: string, args: unknown[], call: () => Promise<unknown>) => Promise<unknown>;

export function aroundStorageMethods<S extends Storage>(storage: S, methods: ReadonlySet<string>, around: StorageCall): S {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !methods.has(prop) || typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      return (...args: unknown[]) => around(prop, args, () => fn.apply(target, args));
    },
  });
}
