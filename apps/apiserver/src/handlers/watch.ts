/**
 * Serving a watch: a chunked stream of JSON event lines, ended by timeoutSeconds (or a randomised
 * timeout of min-request-timeout..2x), the client going away, or an ERROR event (e.g. 410 Expired).
 * Bookmarks are sent periodically when the client allows them.
 */
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { ApiWatchEvent, Store } from '../../../../libs/registry/src/store';
import type { WatchSink } from '../../../../libs/storage/src/interface';
import type { RequestContext } from '../http/context';
import { negotiate } from '../http/respond';
import type { WatchMetrics } from '../metrics';
import { ListWatchParams } from './list-params';
import { requestedTransform, tableFor } from './table';
import { WatchWriter } from './watch-writer';

/** How often an idle watch with allowWatchBookmarks gets a bookmark (upstream: about a minute). */
export const BOOKMARK_INTERVAL_MS = Number(process.env.KUBERNEST_BOOKMARK_INTERVAL_MS ?? 60_000);

let slowWatchers = 0;

/** watches ended because their client could not keep up (WatchWriter's byte limit) */
export function slowWatchersClosed(): number {
  return slowWatchers;
}

export async function serveWatch(
  ctx: RequestContext,
  def: ResourceDefinition,
  store: Store,
  namespace: string,
  p: ListWatchParams,
  minRequestTimeoutSeconds: number,
  metrics?: WatchMetrics,
): Promise<void> {
  const transform = requestedTransform(ctx.req.headers.accept);
  negotiate(ctx.req.headers.accept as string | undefined);
  const timeoutSeconds =
    p.timeoutSeconds !== undefined && p.timeoutSeconds > 0
      ? p.timeoutSeconds
      : Math.floor(minRequestTimeoutSeconds * (1 + Math.random()));

  const watch = store.watch(namespace, p);
  const res = ctx.res;
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const out = new WatchWriter(res);
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  metrics?.registeredWatchers.inc(gvk);
  const eventsCounter = metrics?.watchEvents.labels(gvk);

  let lastRv = p.resourceVersion ?? '';
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    metrics?.registeredWatchers.dec(gvk);
    clearTimeout(timer);
    clearInterval(bookmarks);
    watch.stop();
    out.flush();
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(end, timeoutSeconds * 1000);
  const bookmarks = setInterval(() => {
    if (p.allowWatchBookmarks && lastRv) write({ type: 'BOOKMARK', object: store.bookmark(lastRv) });
  }, BOOKMARK_INTERVAL_MS);
  ctx.req.on('close', end);
  res.on('close', end);
  // graceful shutdown ends watches with a clean close (the client resumes elsewhere)
  ctx.signal.addEventListener('abort', end, { once: true });

  let first = true;
  function write(ev: ApiWatchEvent): void {
    if (ended) return;
    eventsCounter?.inc();
    if (ev.shared && transform?.as !== 'Table') {
      out.writeShared(ev.shared, ev.type, def); // encoded once for every watcher
      return;
    }
    let object: unknown = ev.object;
    if (transform?.as === 'Table' && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      const t = tableFor(def, [ev.object as KObject], {}, transform.version, ctx.query.get('includeObject'));
      if (!first) delete t.columnDefinitions;
      object = t;
      first = false;
    }
    out.writeLine(`${JSON.stringify({ type: ev.type, object })}\n`);
  }

  /** one event; false = the watch is over */
  function handle(ev: ApiWatchEvent): boolean {
    if (ended) return false;
    // a shared event's object is read from the shared copy (reading ev.object would copy it)
    const md = ((ev.shared?.object ?? ev.object) as KObject).metadata;
    if (ev.type !== 'ERROR' && md?.resourceVersion) lastRv = md.resourceVersion;
    if (ev.type === 'BOOKMARK' && !p.allowWatchBookmarks) return true;
    write(ev);
    // never waits for the socket: a client that stays too far behind is closed (WatchWriter)
    if (out.slow) {
      slowWatchers++;
      return false;
    }
    return ev.type !== 'ERROR';
  }

  // push delivery (see below); `end` is called once, possibly from within watch.push()
  let over = false;
  let finish: (() => void) | undefined;
  const sink: WatchSink<ApiWatchEvent> = {
    event: (ev) => {
      // called from the cache's dispatch: never throw into it
      let more = false;
      try {
        more = handle(ev);
      } catch {
        more = false;
      }
      if (!more) end();
    },
    end: () => {
      over = true;
      finish?.();
    },
  };

  const it = watch[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      if (ended) break;
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      if (!handle(r.value)) break;
      // live events of a watch cache: switch to push delivery (no promise per event)
      if (watch.push?.(sink)) {
        if (!over) {
          await new Promise<void>((resolve) => {
            finish = resolve;
            ctx.res.once('close', resolve);
          });
        }
        break;
      }
    }
  } finally {
    end();
    if (!done) void it.return?.(undefined);
  }
}
