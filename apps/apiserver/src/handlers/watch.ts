/**
 * Serving a watch: a chunked stream of JSON event lines, ended by timeoutSeconds (or a randomised
 * timeout of min-request-timeout..2x), the client going away, or an ERROR event (e.g. 410 Expired).
 * Bookmarks are sent periodically when the client allows them.
 */
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { ApiWatchEvent, Store } from '../../../../libs/registry/src/store';
import type { RequestContext } from '../http/context';
import { negotiate } from '../http/respond';
import type { WatchMetrics } from '../metrics';
import { ListWatchParams } from './list-params';
import { requestedTransform, tableFor } from './table';

/** How often an idle watch with allowWatchBookmarks gets a bookmark (upstream: about a minute). */
export const BOOKMARK_INTERVAL_MS = Number(process.env.KUBERNEST_BOOKMARK_INTERVAL_MS ?? 60_000);

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
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  metrics?.registeredWatchers.inc(gvk);

  let lastRv = p.resourceVersion ?? '';
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    metrics?.registeredWatchers.dec(gvk);
    clearTimeout(timer);
    clearInterval(bookmarks);
    watch.stop();
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
  function write(ev: ApiWatchEvent): boolean {
    if (ended) return false;
    let object: unknown = ev.object;
    if (transform?.as === 'Table' && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
      const t = tableFor(def, [ev.object as KObject], {}, transform.version, ctx.query.get('includeObject'));
      if (!first) delete t.columnDefinitions;
      object = t;
      first = false;
    }
    metrics?.watchEvents.inc(gvk);
    return res.write(`${JSON.stringify({ type: ev.type, object })}\n`);
  }

  try {
    for await (const ev of watch) {
      if (ended) break;
      const md = (ev.object as KObject).metadata;
      if (ev.type !== 'ERROR' && md?.resourceVersion) lastRv = md.resourceVersion;
      if (ev.type === 'BOOKMARK' && !p.allowWatchBookmarks) continue;
      if (!write(ev)) {
        // respect backpressure: wait for the socket to drain (or close)
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (ev.type === 'ERROR') break;
    }
  } finally {
    end();
  }
}
