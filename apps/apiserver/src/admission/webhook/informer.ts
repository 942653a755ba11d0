/**
 * A tiny in-memory informer for admission: lists a resource once, then follows its watch (re-listing
 * when the watch ends), so admission reads configurations and namespace labels from memory instead
 * of storage on every request. `ready()` resolves after the first list.
 */
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { Store } from '../../../../../libs/registry/src/store';

export class Informer {
  private readonly items = new Map<string, KObject>();
  private started?: Promise<void>;
  private stopped = false;
  private version = 0;
  private watch?: { stop(): void };

  constructor(private readonly store: () => Store | undefined) {}

  /** bumps on every change (callers cache derived state per version) */
  get generation(): number {
    return this.version;
  }

  ready(): Promise<void> {
    if (!this.started) this.started = this.relist().catch(() => this.scheduleRelist());
    return this.started;
  }

  list(): KObject[] {
    return [...this.items.values()];
  }

  get(namespace: string, name: string): KObject | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }

  private scheduleRelist(): void {
    if (this.stopped) return;
    setTimeout(() => void this.relist().catch(() => this.scheduleRelist()), 1000).unref();
  }

  private async relist(): Promise<void> {
    const store = this.store();
    if (!store) return;
    const res = await store.list('', {});
    this.items.clear();
    for (const o of res.items) this.items.set(keyOf(o), o);
    this.version++;
    void this.follow(store, String(res.metadata.resourceVersion ?? ''));
  }

  private async follow(store: Store, rv: string): Promise<void> {
    try {
      if (this.stopped) return;
      const w = store.watch('', { resourceVersion: rv });
      this.watch = w;
      for await (const ev of w) {
        if (this.stopped) {
          w.stop();
          return;
        }
        const o = ev.object as KObject;
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.items.set(keyOf(o), o);
        else if (ev.type === 'DELETED') this.items.delete(keyOf(o));
        else if (ev.type === 'ERROR') break;
        this.version++;
      }
    } catch {
      /* re-list below */
    }
    this.scheduleRelist();
  }
}

function keyOf(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}
