/**
 * The graceful shutdown sequence of a replica (upstream genericapiserver's), run on SIGTERM
 * before the HTTP server is disposed:
 *
 * 1. /readyz fails at once (load balancers stop sending traffic); requests are served normally
 *    for --shutdown-delay-duration.
 * 2. The server stops accepting new requests: it stops listening (or, with
 *    --shutdown-send-retry-after, keeps listening and answers 429 + Retry-After until drained).
 * 3. Non-long-running requests in flight are drained (bounded by the request timeout).
 * 4. Watches get --shutdown-watch-termination-grace-period to finish, then end with a clean close
 *    (the chunked response is terminated), so clients resume from their last resourceVersion on
 *    another replica; other long-running requests (exec, logs, proxy) are closed.
 */
import type { Server } from 'node:net';
import { ShutdownSignals } from './shutdown-signals';

export interface GracefulShutdownOptions {
  signals: ShutdownSignals;
  server: Server;
  shutdownDelayMs: number;
  sendRetryAfter: boolean;
  watchTerminationGracePeriodMs: number;
  /** upper bound on waiting for non-long-running requests (the request timeout) */
  drainTimeoutMs: number;
  log?: (message: string) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function stopListening(server: Server): void {
  if (!server.listening) return;
  server.close();
  (server as Server & { closeIdleConnections?: () => void }).closeIdleConnections?.();
}

export async function runGracefulShutdown(o: GracefulShutdownOptions): Promise<void> {
  const log = o.log ?? (() => undefined);
  o.signals.shutdownInitiated = true;
  if (o.shutdownDelayMs > 0) {
    log(`shutdown: /readyz failing, serving for ${o.shutdownDelayMs} ms more (--shutdown-delay-duration)`);
    await sleep(o.shutdownDelayMs);
  }
  o.signals.notAcceptingNewRequests = true;
  if (!o.sendRetryAfter) stopListening(o.server);
  o.signals.draining = true;
  const drained = await o.signals.waitNonLongRunningDrained(o.drainTimeoutMs);
  if (!drained) log(`shutdown: ${o.signals.inFlightNonLongRunning} request(s) still in flight after ${o.drainTimeoutMs} ms`);
  if (o.sendRetryAfter) stopListening(o.server);
  if (o.watchTerminationGracePeriodMs > 0) await o.signals.waitLongRunningDrained(o.watchTerminationGracePeriodMs);
  const ended = o.signals.endLongRunning();
  if (ended > 0) {
    log(`shutdown: ended ${ended} watch/long-running request(s)`);
    await o.signals.waitLongRunningDrained(2000);
  }
}
