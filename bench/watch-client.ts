/**
 * The watch fan-out benchmark's client, run in worker threads (bench/watch-fanout.ts starts
 * BENCH_CLIENT_THREADS of them, each with a range of the watchers), lean enough that the numbers
 * measure the servers rather than the client:
 *
 * - kubernest: one raw TLS socket per watch (one shared SecureContext, a hand-written
 *   `GET ...?watch=true` with `Connection: close`), the chunked body scanned as latin1 text for
 *   what the check needs (event type, the ConfigMap name's write index, resourceVersion), no
 *   JSON.parse per event. A watch that ends is resumed from the last resourceVersion seen
 *   (`resumes`); an ERROR event (410) means a relist: LIST, count the listed writes the watcher
 *   had not seen yet as delivered (`relists`), then watch from the list's resourceVersion.
 * - etcd: etcd3 prefix watches spread over this thread's own etcd3 clients.
 *
 * Every watcher must see every write exactly once, in revision order (the puts are pipelined, so
 * etcd may order two of them differently from their index): duplicates and out-of-order events
 * are counted. Arrival times (performance.timeOrigin + now, comparable across threads) go
 * into a SharedArrayBuffer the main thread reads; so do the counters.
 */
import { request } from 'node:https';
import { connect, createSecureContext, SecureContext, TLSSocket } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import { Etcd3 } from 'etcd3';
import { DEFAULT_GRPC_OPTIONS } from '../libs/storage/src/etcd/etcd-storage';

export interface ClientJob {
  kind: 'kube' | 'etcd';
  /** this thread's watchers: [from, to) of the global numbering */
  from: number;
  to: number;
  events: number;
  /** write names are `${tag}-NNNNNN` */
  tag: string;
  /** kube: replica https URLs (watcher w uses replicas[w % n]) and the path of the watch (without resourceVersion) */
  replicas?: string[];
  path?: string;
  listPath?: string;
  resourceVersion?: string;
  creds?: { ca: string; cert: string; key: string };
  /** etcd: endpoint, prefix, start revision, clients of this thread */
  etcdEndpoint?: string;
  etcdPrefix?: string;
  startRevision?: string;
  etcdClients?: number;
  /** arrival times, Float64 [watchers × events] (NaN = not yet) */
  arrival: SharedArrayBuffer;
  /** per watcher: events seen (Uint32) */
  count: SharedArrayBuffer;
  /** Float64 counters per thread, STAT_* at thread × STATS */
  stats: SharedArrayBuffer;
  thread: number;
  /** sockets being opened at once */
  openConcurrency: number;
}

export const STATS = 8;
export const STAT_DELIVERED = 0;
export const STAT_DUPS = 1;
/** a write seen after one with a higher revision */
export const STAT_GAPS = 2;
export const STAT_RESUMES = 3;
export const STAT_RELISTS = 4;
export const STAT_UNKNOWN = 5;
export const STAT_OPEN = 6;

/** wall-clock ms, comparable across threads */
export const now = (): number => performance.timeOrigin + performance.now();

class Recorder {
  private readonly arrival: Float64Array;
  private readonly count: Uint32Array;
  private readonly stats: Float64Array;
  private readonly base: number;
  /** per local watcher: the revision of the last write seen */
  private readonly lastRev: Float64Array;

  constructor(private readonly job: ClientJob) {
    this.arrival = new Float64Array(job.arrival);
    this.count = new Uint32Array(job.count);
    this.stats = new Float64Array(job.stats);
    this.base = job.thread * STATS;
    this.lastRev = new Float64Array(job.to - job.from);
  }

  bump(stat: number, n = 1): void {
    this.stats[this.base + stat] += n;
  }

  seen(w: number, i: number): boolean {
    return !Number.isNaN(this.arrival[w * this.job.events + i]);
  }

  /** write i (at revision rev) reached watcher w; rev 0 = unknown (relist) */
  record(w: number, i: number, at: number, rev: number): void {
    const E = this.job.events;
    if (!(i >= 0 && i < E)) {
      this.bump(STAT_UNKNOWN);
      return;
    }
    if (this.seen(w, i)) {
      this.bump(STAT_DUPS);
      return;
    }
    const l = w - this.job.from;
    if (rev) {
      if (rev <= this.lastRev[l]) this.bump(STAT_GAPS); // out of revision order
      else this.lastRev[l] = rev;
    }
    this.arrival[w * E + i] = at;
    this.count[w]++;
    this.bump(STAT_DELIVERED);
  }
}

// ---- kubernest: raw TLS watches -------------------------------------------------------------

const TYPE_AT = '{"type":"'.length;
const sessions = new Map<string, Buffer>();

class KubeWatch {
  private sock: TLSSocket | undefined;
  private rest = '';
  private headerDone = false;
  private rv: string;
  private stopped = false;

  constructor(
    private readonly job: ClientJob,
    private readonly rec: Recorder,
    private readonly ctx: SecureContext,
    private readonly w: number,
  ) {
    this.rv = job.resourceVersion as string;
  }

  private get target(): URL {
    const r = this.job.replicas as string[];
    return new URL(r[this.w % r.length]);
  }

  /** resolves once the server answered 200 */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const u = this.target;
      // TLS session resumption per replica, as https.Agent does: abbreviated handshakes
      const session = sessions.get(u.host);
      const sock = connect({ host: u.hostname, port: Number(u.port), secureContext: this.ctx, checkServerIdentity: () => undefined, ...(session ? { session } : {}) });
      sock.once('session', (s: Buffer) => sessions.set(u.host, s));
      this.sock = sock;
      this.rest = '';
      this.headerDone = false;
      let answered = false;
      sock.setEncoding('latin1');
      sock.setNoDelay(true);
      sock.on('secureConnect', () => {
        sock.write(`GET ${this.job.path}&resourceVersion=${this.rv} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
      });
      sock.on('data', (text: string) => {
        if (!this.headerDone) {
          const all = this.rest + text;
          const end = all.indexOf('\r\n\r\n');
          if (end < 0) {
            this.rest = all;
            return;
          }
          const status = all.slice(9, 12);
          this.headerDone = true;
          this.rest = '';
          if (status !== '200') {
            answered = true;
            sock.destroy();
            reject(new Error(`watch: HTTP ${status}`));
            return;
          }
          answered = true;
          resolve();
          text = all.slice(end + 4);
        }
        this.onBody(text);
      });
      sock.on('error', (e) => {
        if (!answered) {
          answered = true;
          reject(e);
        }
      });
      sock.on('close', () => {
        if (!answered) {
          answered = true;
          reject(new Error('watch: connection closed'));
          return;
        }
        if (this.sock === sock && !this.stopped) this.again(false);
      });
    });
  }

  private onBody(text: string): void {
    const all = this.rest + text;
    const nl = all.lastIndexOf('\n');
    if (nl < 0) {
      this.rest = all;
      return;
    }
    this.rest = all.slice(nl + 1);
    const at = now();
    let pos = 0;
    for (;;) {
      const s = all.indexOf('{"type":"', pos);
      if (s < 0 || s > nl) break;
      const e = all.indexOf('\n', s);
      this.onLine(all, s, e, at);
      pos = e + 1;
    }
  }

  private onLine(t: string, s: number, e: number, at: number): void {
    const c = t.charCodeAt(s + TYPE_AT); // A(DDED) M(ODIFIED) D(ELETED) B(OOKMARK) E(RROR)
    if (c === 69 /* E */) {
      this.again(true);
      return;
    }
    const rvAt = t.indexOf('"resourceVersion":"', s);
    if (rvAt > 0 && rvAt < e) {
      const q = rvAt + 19;
      this.rv = t.slice(q, t.indexOf('"', q));
    }
    const rev = Number(this.rv);
    if (c !== 65 /* A */) return;
    const tagAt = t.indexOf(`"name":"${this.job.tag}-`, s);
    if (tagAt < 0 || tagAt > e) return;
    const d = tagAt + 9 + this.job.tag.length;
    this.rec.record(this.w, Number(t.slice(d, d + 6)), at, rev);
  }

  /** the watch ended (or sent ERROR): resume from the last rv, or relist first */
  private again(relist: boolean): void {
    const old = this.sock;
    this.sock = undefined;
    old?.destroy();
    if (this.stopped) return;
    void (async () => {
      for (let attempt = 0; !this.stopped; attempt++) {
        try {
          if (relist) {
            this.rec.bump(STAT_RELISTS);
            await this.relist();
          } else this.rec.bump(STAT_RESUMES);
          await this.open();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
          relist = true;
        }
      }
    })();
  }

  private relist(): Promise<void> {
    const u = this.target;
    const creds = this.job.creds as { ca: string; cert: string; key: string };
    return new Promise((resolve, reject) => {
      const req = request(`${u.origin}${this.job.listPath}`, { ca: creds.ca, cert: creds.cert, key: creds.key, checkServerIdentity: () => undefined, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`list: HTTP ${res.statusCode}`));
          const list = JSON.parse(body) as { metadata: { resourceVersion: string }; items: { metadata: { name: string } }[] };
          const at = now();
          const prefix = `${this.job.tag}-`;
          const idx = list.items
            .map((o) => o.metadata.name)
            .filter((n) => n.startsWith(prefix))
            .map((n) => Number(n.slice(prefix.length)))
            .sort((a, b) => a - b);
          for (const i of idx) if (!this.rec.seen(this.w, i)) this.rec.record(this.w, i, at, 0);
          this.rv = list.metadata.resourceVersion;
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  stop(): void {
    this.stopped = true;
    this.sock?.destroy();
  }
}

async function inBatches(from: number, to: number, batch: number, fn: (w: number) => Promise<void>): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: Math.min(batch, to - from) }, async () => {
      while (next < to) await fn(next++);
    }),
  );
}

async function runKube(job: ClientJob): Promise<() => void> {
  const rec = new Recorder(job);
  const creds = job.creds as { ca: string; cert: string; key: string };
  const ctx = createSecureContext({ ca: creds.ca, cert: creds.cert, key: creds.key });
  const watches: KubeWatch[] = [];
  await inBatches(job.from, job.to, job.openConcurrency, async (w) => {
    const kw = new KubeWatch(job, rec, ctx, w);
    watches.push(kw);
    await kw.open();
    rec.bump(STAT_OPEN);
  });
  return () => watches.forEach((w) => w.stop());
}

// ---- etcd: etcd3 prefix watches -------------------------------------------------------------

async function runEtcd(job: ClientJob): Promise<() => void> {
  const rec = new Recorder(job);
  const n = Math.max(1, Math.min(job.etcdClients ?? 1, job.to - job.from));
  const clients = Array.from({ length: n }, () => new Etcd3({ hosts: job.etcdEndpoint as string, grpcOptions: DEFAULT_GRPC_OPTIONS }));
  const prefix = job.etcdPrefix as string;
  const cancels: (() => Promise<void>)[] = [];
  await inBatches(job.from, job.to, job.openConcurrency, async (w) => {
    const watcher = await clients[w % n]
      .watch()
      .prefix(prefix)
      .startRevision(job.startRevision as string)
      .create();
    watcher.on('put', (kv) => {
      const key = kv.key.toString('latin1');
      rec.record(w, Number(key.slice(-6)), now(), Number(kv.mod_revision));
    });
    cancels.push(() => watcher.cancel());
    rec.bump(STAT_OPEN);
  });
  return () => {
    void Promise.all(cancels.map((c) => c().catch(() => undefined))).finally(() => clients.forEach((c) => c.close()));
  };
}

if (parentPort && workerData) {
  const job = workerData as ClientJob;
  const port = parentPort;
  (job.kind === 'kube' ? runKube(job) : runEtcd(job)).then(
    (stop) => {
      port.postMessage({ ready: true });
      port.on('message', (m: { stop?: boolean }) => {
        if (m.stop) {
          stop();
          setTimeout(() => process.exit(0), 200).unref();
          port.postMessage({ stopped: true });
        }
      });
    },
    (e: Error) => port.postMessage({ error: e.message }),
  );
}
