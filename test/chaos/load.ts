/**
 * The steady mixed load of the chaos suite, through the load balancer: writers creating
 * ConfigMaps, an updater bumping a counter, listers, tunnel probes (node proxy through the
 * konnectivity servers), and watchers that resume from their last resourceVersion (or relist on
 * 410 Gone). Every client-visible failure is recorded with its time, so each fault's window can
 * be read off afterwards; every acknowledged write is recorded, so losses can be counted.
 */
import { call, Creds, watchStream } from './client';

export const NS = 'chaos';

export interface Failure {
  at: number;
  kind: string;
  what: string;
}

export interface WatcherState {
  id: number;
  /** ADDED events seen per ConfigMap name */
  added: Map<string, number>;
  /** names known from relists (after a 410) */
  relisted: Set<string>;
  lastRv: string;
  relists: number;
  resumes: number;
}

export class Load {
  readonly failures: Failure[] = [];
  readonly successes = new Map<string, number>(); // kind → last success time
  /** name → resourceVersion of every acknowledged create */
  readonly acked = new Map<string, string>();
  /** the highest counter value the server acknowledged */
  ackedCounter = 0;
  readonly watchers: WatcherState[] = [];
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly writeLoops: Promise<void>[] = [];
  private writing = true;

  constructor(private readonly c: Creds, private readonly opts: { writers: number; watchers: number; node?: string }) {}

  private fail(kind: string, what: string): void {
    this.failures.push({ at: Date.now(), kind, what: what.slice(0, 200) });
  }

  private ok(kind: string): void {
    this.successes.set(kind, Date.now());
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  async start(): Promise<void> {
    const ns = await call(this.c, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    if (ns.status !== 201 && ns.status !== 409) throw new Error(`namespace ${NS}: ${ns.status} ${ns.body}`);
    const counter = await call(this.c, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counter' }, data: { n: '0' } });
    if (counter.status !== 201) throw new Error(`counter: ${counter.status} ${counter.body}`);
    const list = await call(this.c, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    for (let i = 0; i < this.opts.watchers; i++) this.loops.push(this.watcher(i, rv));
    for (let i = 0; i < this.opts.writers; i++) this.writeLoops.push(this.writer(i));
    this.writeLoops.push(this.updater());
    this.loops.push(this.lister());
    if (this.opts.node) this.loops.push(this.tunnelProbe(this.opts.node));
  }

  /** Stop writing (the writers finish their request in flight); reads and watches go on. */
  async stopWriting(): Promise<void> {
    this.writing = false;
    await Promise.all(this.writeLoops);
  }

  async stop(): Promise<void> {
    this.writing = false;
    this.abort.abort();
    await Promise.all([...this.loops, ...this.writeLoops]);
  }

  private async pause(ms: number): Promise<void> {
    if (!this.stopped) await new Promise((r) => setTimeout(r, ms));
  }

  private async writer(w: number): Promise<void> {
    for (let n = 0; !this.stopped && this.writing; n++) {
      const name = `cm-${w}-${n}`;
      try {
        const r = await call(this.c, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { w: String(w), n: String(n) } });
        if (r.status === 201) {
          this.acked.set(name, (JSON.parse(r.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
          this.ok('create');
        } else if (r.status === 409) {
          // an earlier attempt landed after all (its answer was lost): it exists, it was acknowledged now
          this.acked.set(name, '');
          this.ok('create');
        } else {
          this.fail('create', `${r.status} ${r.body}`);
          n--; // retry the same name
        }
      } catch (e) {
        this.fail('create', (e as Error).message);
        n--;
      }
      await this.pause(30);
    }
  }

  private async updater(): Promise<void> {
    let next = 1;
    while (!this.stopped && this.writing) {
      try {
        const r = await call(this.c, 'PATCH', `/api/v1/namespaces/${NS}/configmaps/counter`, { data: { n: String(next) } }, 10_000, 'application/merge-patch+json');
        if (r.status === 200) {
          this.ackedCounter = next++;
          this.ok('update');
        } else this.fail('update', `${r.status} ${r.body}`);
      } catch (e) {
        this.fail('update', (e as Error).message);
      }
      await this.pause(50);
    }
  }

  private async lister(): Promise<void> {
    while (!this.stopped) {
      try {
        const r = await call(this.c, 'GET', `/api/v1/namespaces/${NS}/configmaps?limit=100`);
        if (r.status === 200) this.ok('list');
        else this.fail('list', `${r.status} ${r.body}`);
      } catch (e) {
        this.fail('list', (e as Error).message);
      }
      await this.pause(100);
    }
  }

  private async tunnelProbe(node: string): Promise<void> {
    while (!this.stopped) {
      try {
        const r = await call(this.c, 'GET', `/api/v1/nodes/${node}/proxy/healthz`);
        if (r.status === 200) this.ok('tunnel');
        else this.fail('tunnel', `${r.status} ${r.body}`);
      } catch (e) {
        this.fail('tunnel', (e as Error).message);
      }
      await this.pause(200);
    }
  }

  private async watcher(id: number, fromRv: string): Promise<void> {
    const st: WatcherState = { id, added: new Map(), relisted: new Set(), lastRv: fromRv, relists: 0, resumes: 0 };
    this.watchers.push(st);
    while (!this.stopped) {
      let gone = false;
      const r = await watchStream(
        this.c,
        `/api/v1/namespaces/${NS}/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${st.lastRv}`,
        (e) => {
          if (e.type === 'ERROR') {
            if (e.object.code === 410) gone = true;
            else this.fail('watch', `ERROR event ${JSON.stringify(e.object)}`);
            return;
          }
          const md = e.object.metadata ?? {};
          if (md.resourceVersion) st.lastRv = md.resourceVersion;
          if (e.type === 'ADDED' && md.name) st.added.set(md.name, (st.added.get(md.name) ?? 0) + 1);
        },
        this.abort.signal,
      );
      if (this.stopped) break;
      if (gone) {
        // 410 Gone: relist and continue from the list's resourceVersion
        try {
          const l = await call(this.c, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
          if (l.status !== 200) throw new Error(`${l.status}`);
          const list = JSON.parse(l.body) as { metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
          for (const it of list.items) st.relisted.add(it.metadata.name);
          st.lastRv = list.metadata.resourceVersion;
          st.relists++;
        } catch (e) {
          this.fail('watch', `relist: ${(e as Error).message}`);
          await this.pause(200);
        }
        continue;
      }
      st.resumes++;
      if (!r.clean || r.status !== 200) {
        this.fail('watch', r.status === 200 ? 'stream cut' : `watch answered ${r.status}`);
        await this.pause(200);
      } else this.ok('watch');
    }
  }

  /** Per watcher: acknowledged creates never delivered (nor relisted), and creates delivered twice. */
  watchAccounting(): { id: number; missed: number; duplicated: number; relists: number; resumes: number }[] {
    return this.watchers.map((w) => {
      let missed = 0;
      for (const name of this.acked.keys()) if (!w.added.has(name) && !w.relisted.has(name)) missed++;
      let duplicated = 0;
      for (const n of w.added.values()) if (n > 1) duplicated++;
      return { id: w.id, missed, duplicated, relists: w.relists, resumes: w.resumes };
    });
  }

  /** Waits until every watcher has seen every acknowledged create, or the time is up. */
  async waitWatchersCaughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.watchAccounting().some((w) => w.missed > 0)) await new Promise((r) => setTimeout(r, 200));
  }
}
