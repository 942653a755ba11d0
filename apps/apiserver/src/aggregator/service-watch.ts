/**
 * Re-checks APIService availability when the Services, EndpointSlices or Endpoints they point at
 * change (upstream's available controller watches them too), without caching those objects: one
 * watch per resource from the current resourceVersion (a list with limit 1), each event mapped to
 * the APIServices whose spec.service names it. Rewatched after errors.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { ApiWatch, Store } from '../../../../libs/registry/src/store';
import { SERVICE_NAME_LABEL, type ResolverStores } from './resolver';

export interface ServiceWatchDeps extends ResolverStores {
  /** names of the APIServices whose service is `namespace/name` */
  apiServicesFor(namespace: string, name: string): string[];
  changed(apiServiceName: string): void;
}

export class ServiceWatch {
  private stopped = false;
  private readonly watches = new Set<ApiWatch>();

  constructor(private readonly deps: ServiceWatchDeps) {}

  start(): void {
    void this.follow(() => this.deps.services(), (o) => o.metadata.name ?? '');
    void this.follow(() => this.deps.endpointSlices(), (o) => o.metadata.labels?.[SERVICE_NAME_LABEL] ?? '');
    void this.follow(() => this.deps.endpoints(), (o) => o.metadata.name ?? '');
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watches) w.stop();
  }

  private async follow(store: () => Store | undefined, serviceOf: (o: KObject) => string): Promise<void> {
    for (let attempt = 0; !this.stopped; ) {
      try {
        const s = store();
        if (!s) return;
        const list = await s.list('', { limit: 1 });
        if (this.stopped) return;
        const w = s.watch('', { resourceVersion: String(list.metadata.resourceVersion ?? '') });
        this.watches.add(w);
        try {
          for await (const ev of w) {
            if (this.stopped) return;
            if (ev.type === 'ERROR') break;
            if (ev.type === 'BOOKMARK') continue;
            attempt = 0;
            const o = ev.object as KObject;
            const name = serviceOf(o);
            if (name) for (const a of this.deps.apiServicesFor(o.metadata.namespace ?? '', name)) this.deps.changed(a);
          }
        } finally {
          this.watches.delete(w);
          w.stop();
        }
      } catch {
        /* retried below */
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt++, 5))).unref());
    }
  }
}
