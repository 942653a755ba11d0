import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../http/context';
import { fakeContext, okHandler } from '../filters/fake-context';
import { SHUTDOWN_RETRY_AFTER_MESSAGE, withRetryAfter } from '../filters/retry-after';
import { withWaitGroup } from '../filters/wait-group';
import { runGracefulShutdown } from './graceful-shutdown';
import { ShutdownSignals } from './shutdown-signals';

/** A handler that stays in flight until released. */
function gate() {
  const releases: Array<() => void> = [];
  const handler: Handler = async (ctx) => {
    await new Promise<void>((r) => releases.push(r));
    await okHandler(ctx);
  };
  return { handler, pending: () => releases.length, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

/** A long-running handler that ends its response when the request is aborted, as watches do. */
const watchLike: Handler = (ctx) =>
  new Promise<void>((resolve) => {
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.signal.addEventListener('abort', () => {
      ctx.res.end();
      resolve();
    });
  });

describe('retry-after and wait-group filters', () => {
  it('answer 429 + Retry-After: 5 + Connection: close once not accepting, except probes and /metrics', async () => {
    const signals = new ShutdownSignals();
    const h = withRetryAfter(signals, true)(okHandler);
    const before = fakeContext({ url: '/api/v1/pods' });
    await h(before.ctx);
    expect(before.res.statusCode).toBe(200);
    signals.notAcceptingNewRequests = true;
    const after = fakeContext({ url: '/api/v1/pods' });
    await h(after.ctx);
    expect(after.res.statusCode).toBe(429);
    expect(after.res.getHeader('retry-after')).toBe('5');
    expect(after.res.getHeader('connection')).toBe('close');
    expect(after.res.body).toBe(`${SHUTDOWN_RETRY_AFTER_MESSAGE}\n`);
    for (const url of ['/readyz', '/livez?verbose', '/healthz', '/metrics']) {
      const probe = fakeContext({ url });
      await h(probe.ctx);
      expect(probe.res.statusCode).toBe(200);
    }
    const loopback = fakeContext({ url: '/api/v1/pods', headers: { 'user-agent': 'kube-apiserver/v1.32.0' } });
    await h(loopback.ctx);
    expect(loopback.res.statusCode).toBe(200);
  });

  it('does nothing without --shutdown-send-retry-after', async () => {
    const signals = new ShutdownSignals();
    signals.notAcceptingNewRequests = true;
    const r = fakeContext({ url: '/api/v1/pods' });
    await withRetryAfter(signals, false)(okHandler)(r.ctx);
    expect(r.res.statusCode).toBe(200);
  });

  it('tracks requests and, while draining, refuses new ones with the upstream 503 Status', async () => {
    const signals = new ShutdownSignals();
    const g = gate();
    const h = withWaitGroup(signals)(g.handler);
    const inflight = fakeContext({ url: '/api/v1/pods' });
    const p = h(inflight.ctx);
    expect(signals.inFlightNonLongRunning).toBe(1);
    signals.draining = true;
    const late = fakeContext({ url: '/api/v1/namespaces' });
    await h(late.ctx);
    expect(late.res.statusCode).toBe(503);
    expect(late.res.getHeader('retry-after')).toBe('1');
    expect(late.res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'apiserver is shutting down',
      reason: 'ServiceUnavailable',
      code: 503,
    });
    const drained = signals.waitNonLongRunningDrained(5000);
    g.releaseAll();
    await p;
    expect(await drained).toBe(true);
    expect(inflight.res.statusCode).toBe(200);
  });
});

describe('runGracefulShutdown', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('fails readiness first, drains in-flight requests, stops listening, then ends watches cleanly', async () => {
    const signals = new ShutdownSignals();
    const g = gate();
    const chain = withWaitGroup(signals)((ctx) => (ctx.longRunning ? watchLike(ctx) : g.handler(ctx)));
    server = createServer((req, res) => {
      const { ctx } = fakeContext({ url: req.url ?? '/' });
      void chain({ ...ctx, req, res });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (path: string) =>
      new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, complete: res.complete }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });

    const watch = get('/api/v1/pods?watch=true');
    const slow = get('/api/v1/pods');
    while (g.pending() === 0 || signals.inFlightLongRunning === 0) await new Promise((r) => setTimeout(r, 10));

    const t0 = Date.now();
    const done = runGracefulShutdown({
      signals,
      server,
      shutdownDelayMs: 300,
      sendRetryAfter: false,
      watchTerminationGracePeriodMs: 0,
      drainTimeoutMs: 5000,
    });
    expect(signals.shutdownInitiated).toBe(true);
    // during the delay, requests are still served
    await new Promise((r) => setTimeout(r, 100));
    expect(server.listening).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(signals.notAcceptingNewRequests).toBe(true);
    expect(server.listening).toBe(false);
    // the in-flight request holds the drain; the watch is still open
    expect(signals.inFlightLongRunning).toBe(1);
    g.releaseAll();
    expect((await slow).status).toBe(200);
    await done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    const w = await watch;
    expect(w.status).toBe(200);
    expect(w.complete).toBe(true);
    expect(signals.inFlightLongRunning).toBe(0);
  });
});
