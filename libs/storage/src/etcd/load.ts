/**
 * The etcd backend, loaded on demand: the etcd3 client takes about a quarter of a second to load,
 * which the embedded server (SQLite) never needs at start-up.
 */
import type * as CompactorModule from './compactor';
import type * as EtcdStorageModule from './etcd-storage';

export type EtcdBackend = typeof EtcdStorageModule & typeof CompactorModule;

export function loadEtcdBackend(): EtcdBackend {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { ...(require('./etcd-storage') as typeof EtcdStorageModule), ...(require('./compactor') as typeof CompactorModule) };
}

/** The EtcdStorage class once its module has loaded (it registers itself). */
let etcdStorageClass: (abstract new (...args: never[]) => unknown) | undefined;

export function registerEtcdStorageClass(c: abstract new (...args: never[]) => unknown): void {
  etcdStorageClass = c;
}

/** Whether `s` is an EtcdStorage, without loading the etcd backend (if it is not loaded, it cannot be). */
export function isEtcdStorage(s: unknown): s is EtcdStorageModule.EtcdStorage {
  return etcdStorageClass !== undefined && s instanceof etcdStorageClass;
}
