/**
 * A tiny informer: keeps every object of one resource in memory (list, then watch from the list's
 * resourceVersion; relist after errors), so authorizers never read storage per request.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { ApiWatch, Store } from '../../../../libs/registry/src/store';

export type InformerEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

export class Informer {
  /** key: `namespace/name` (`/name` for cluster-scoped objects) */
  readonly items = new Map<string, KObject>();
  private stopped = false;
  private watch?: ApiWatch;
  private syncedOnce = false;
  private readonly waiters: (() => void)[] = [];
  private readonly listeners: ((type: InformerEvent, obj: KObject, old?: KObject) => void)[] = [];

  constructor(
    private readonly store: () => Store,
    private readonly name: string,
  ) {}

  static key(o: KObject): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  onChange(fn: (type: InformerEvent, obj: KObject, old?: KObject) => void): void {
    this.listeners.push(fn);
  }

  /** resolves once the first list has been loaded */
  waitForSync(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  private emit(type: InformerEvent, obj: KObject, old?: KObject): void {
    for (const l of this.listeners) {
      try {
        l(type, obj, old);
      } catch (e) {
        console.warn(`${this.name} informer listener failed: ${(e as Error).message}`);
      }
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        const store = this.store();
        const list = await store.list('', {});
        const fresh = new Map<string, KObject>();
        for (const o of list.items) fresh.set(Informer.key(o), o);
        for (const [k, old] of this.items) if (!fresh.has(k)) this.emit('DELETED', old, old);
        for (const [k, o] of fresh) {
          const old = this.items.get(k);
          if (!old || old.metadata.resourceVersion !== o.metadata.resourceVersion) this.items.set(k, o), this.emit(old ? 'MODIFIED' : 'ADDED', o, old);
        }
        for (const k of [...this.items.keys()]) if (!fresh.has(k)) this.items.delete(k);
        if (!this.syncedOnce) {
          this.syncedOnce = true;
          for (const w of this.waiters.splice(0)) w();
        }
        attempt = 0;
        if (this.stopped) return;
        this.watch = store.watch('', { resourceVersion: String(list.metadata.resourceVersion ?? '') });
        for await (const ev of this.watch) {
          if (this.stopped) return;
          if (ev.type === 'ERROR') break;
          if (ev.type === 'BOOKMARK') continue;
          const o = ev.object as KObject;
          const k = Informer.key(o);
          const old = this.items.get(k);
          if (ev.type === 'DELETED') this.items.delete(k);
          else this.items.set(k, o);
          this.emit(ev.type, o, old);
        }
      } catch (e) {
        if (attempt === 0 && !this.stopped) console.warn(`${this.name} informer: ${(e as Error).message}; retrying`);
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(attempt++, 6))).unref());
    }
  }
}
