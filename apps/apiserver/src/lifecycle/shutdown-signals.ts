/**
 * The lifecycle signals of a graceful shutdown (upstream's lifecycleSignals), and the set of
 * requests in flight that the shutdown waits for (upstream's HandlerChainWaitGroup) or ends
 * (watches and other long-running requests).
 *
 *   running → shutdownInitiated (/readyz fails) → notAcceptingNewRequests (after
 *   --shutdown-delay-duration) → draining (new non-exempt requests get 503) → stopped
 */
import type { RequestContext } from '../http/context';

/** The abort reason long-running requests see when the server ends them at shutdown. */
export class ServerShuttingDownError extends Error {
  constructor() {
    super('apiserver is shutting down');
    this.name = 'ServerShuttingDownError';
  }
}

/** Health probes and metrics scraping are served until the end (upstream's exempt prefixes). */
const EXEMPT_PATH_PREFIXES = ['/readyz', '/livez', '/healthz', '/metrics'];

/** upstream's isRequestExemptFromRetryAfter: the loopback client and the probe/metrics paths */
export function isExemptFromShutdownRejection(ctx: RequestContext): boolean {
  const ua = ctx.req.headers['user-agent'];
  if (typeof ua === 'string' && ua.startsWith('kube-apiserver/')) return true;
  return EXEMPT_PATH_PREFIXES.some((p) => ctx.path.startsWith(p));
}

export class ShutdownSignals {
  shutdownInitiated = false;
  notAcceptingNewRequests = false;
  /** the wait group is closed: new non-exempt non-long-running requests are refused */
  draining = false;
  private readonly nonLongRunning = new Set<RequestContext>();
  private readonly longRunning = new Set<RequestContext>();
  private drainedWaiters: Array<() => void> = [];

  get inFlightNonLongRunning(): number {
    return this.nonLongRunning.size;
  }

  get inFlightLongRunning(): number {
    return this.longRunning.size;
  }

  /** the requests in flight (read at scrape time by the request gauges) */
  inFlight(): { nonLongRunning: Iterable<RequestContext>; longRunning: Iterable<RequestContext> } {
    return { nonLongRunning: this.nonLongRunning, longRunning: this.longRunning };
  }

  /** Track a request until `done` settles. */
  track(ctx: RequestContext, done: Promise<unknown>): void {
    const set = ctx.longRunning ? this.longRunning : this.nonLongRunning;
    set.add(ctx);
    const untrack = () => {
      set.delete(ctx);
      if (this.nonLongRunning.size === 0 && this.drainedWaiters.length > 0) {
        const waiters = this.drainedWaiters;
        this.drainedWaiters = [];
        for (const w of waiters) w();
      }
    };
    done.then(untrack, untrack);
  }

  /** Resolves true once no non-long-running request is in flight, false after `timeoutMs`. */
  waitNonLongRunningDrained(timeoutMs: number): Promise<boolean> {
    if (this.nonLongRunning.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainedWaiters = this.drainedWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainedWaiters.push(done);
    });
  }

  /** Resolves true once no long-running request is left, false after `timeoutMs`. */
  async waitLongRunningDrained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.longRunning.size > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(1, deadline - Date.now()))));
    }
    return true;
  }

  /** End every long-running request: watches finish their response cleanly, streams are closed. */
  endLongRunning(): number {
    const n = this.longRunning.size;
    for (const ctx of [...this.longRunning]) {
      if (!ctx.signal.aborted) ctx.abort.abort(new ServerShuttingDownError());
    }
    return n;
  }
}
