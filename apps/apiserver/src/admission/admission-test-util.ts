/** Shared by the admission unit tests. */
import type { StatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { Store } from '../../../../libs/registry/src/store';

/** a Store stand-in holding fixed objects (list once; the watch never yields) */
export function fakeStore(items: KObject[]): Store {
  return {
    list: async () => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '1' }, items }),
    get: async (ns: string, name: string) => {
      const o = items.find((i) => i.metadata.name === name && (i.metadata.namespace ?? '') === ns);
      if (!o) throw new Error('not found');
      return o;
    },
    watch: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }), stop: () => undefined }),
  } as unknown as Store;
}

/** the error `p` rejects with (fails when it resolves) */
export async function rejection(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    return e as StatusError;
  }
  throw new Error('expected a rejection');
}
