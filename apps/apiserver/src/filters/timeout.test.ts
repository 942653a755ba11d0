import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestInfo } from '../http/context';
import { fakeContext, okHandler } from './fake-context';
import { isLongRunning, TIMEOUT_MESSAGE, withTimeout } from './timeout';

afterEach(() => vi.restoreAllMocks());
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('isLongRunning', () => {
  const base: RequestInfo = { isResourceRequest: true, path: '/', verb: 'get', apiPrefix: 'api', apiGroup: '', apiVersion: 'v1', namespace: '', resource: 'pods', subresource: '', name: 'x', parts: [] };
  it.each([
    [{ verb: 'watch' }, true],
    [{ verb: 'proxy' }, true],
    [{ subresource: 'exec', verb: 'create' }, true],
    [{ subresource: 'attach' }, true],
    [{ subresource: 'log' }, true],
    [{ subresource: 'portforward' }, true],
    [{ subresource: 'proxy' }, true],
    [{ subresource: 'status' }, false],
    [{ verb: 'list' }, false],
    [{ isResourceRequest: false, path: '/debug/pprof/profile' }, true],
    [{ isResourceRequest: false, path: '/healthz', subresource: '' }, false],
  ])('%j → %s', (patch, want) => {
    expect(isLongRunning({ ...base, ...patch })).toBe(want);
  });
});

describe('withTimeout', () => {
  it('lets fast requests through untouched', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods' });
    await withTimeout({ requestTimeoutMs: 1000 })(okHandler)(ctx);
    expect(res.statusCode).toBe(200);
    expect(ctx.signal.aborted).toBe(false);
  });

  it('answers 504 at the deadline, aborts the context and ignores later writes', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods' });
    let finished!: () => void;
    let handlerFinished = false;
    const handlerDone = new Promise<void>((r) => (finished = r));
    const started = Date.now();
    await withTimeout({ requestTimeoutMs: 50 })(async (c) => {
      await sleep(150);
      c.res.writeHead(200, { 'Content-Type': 'text/plain' });
      c.res.end('too late');
      handlerFinished = true;
      finished();
    })(ctx);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(handlerFinished).toBe(false);
    expect(ctx.signal.aborted).toBe(true);
    expect(res.statusCode).toBe(504);
    expect(res.body).toBe(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: TIMEOUT_MESSAGE, reason: 'Timeout', details: {}, code: 504 }),
    );
    expect(TIMEOUT_MESSAGE).toBe('Timeout: request did not complete within requested timeout - context deadline exceeded');
    await handlerDone;
    expect(res.statusCode).toBe(504);
    expect(res.body).not.toContain('too late');
  });

  it('counts from ctx.receivedAt', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods', receivedAt: Date.now() - 1000 });
    await withTimeout({ requestTimeoutMs: 500 })(async () => sleep(1000))(ctx);
    expect(res.statusCode).toBe(504);
  });

  it('uses ?timeout= when shorter than --request-timeout', async () => {
    const short = fakeContext({ url: '/api/v1/pods?timeout=30ms' });
    await withTimeout({ requestTimeoutMs: 60_000 })(async () => sleep(200))(short.ctx);
    expect(short.res.statusCode).toBe(504);

    const longer = fakeContext({ url: '/api/v1/pods?timeout=10m' });
    let done = false;
    await withTimeout({ requestTimeoutMs: 40 })(async () => {
      await sleep(300);
      done = true;
    })(longer.ctx);
    expect(longer.res.statusCode).toBe(504);
    expect(done).toBe(false);

    const zero = fakeContext({ url: '/api/v1/pods?timeout=0s' });
    await withTimeout({ requestTimeoutMs: 1000 })(okHandler)(zero.ctx);
    expect(zero.res.statusCode).toBe(200);
  });

  it('rejects an invalid ?timeout= with 400', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods?timeout=abc' });
    await withTimeout({ requestTimeoutMs: 1000 })(okHandler)(ctx);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'invalid timeout specified in the request URL - time: invalid duration "abc"',
      reason: 'BadRequest',
      code: 400,
    });
  });

  it('exempts long-running requests', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods?watch=true' });
    await withTimeout({ requestTimeoutMs: 20 })(async (c) => {
      await sleep(60);
      await okHandler(c);
    })(ctx);
    expect(res.statusCode).toBe(200);
  });

  it('cuts the connection if the response had started', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods' });
    await withTimeout({ requestTimeoutMs: 30 })(async (c) => {
      c.res.writeHead(200);
      c.res.write('{"items":[');
      await sleep(100);
    })(ctx);
    expect(res.destroyed).toBe(true);
  });

  it('logs (does not leak) a handler failure after the timeout', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { ctx, res } = fakeContext({ url: '/api/v1/pods' });
    await withTimeout({ requestTimeoutMs: 20 })(async () => {
      await sleep(60);
      throw new Error('late failure');
    })(ctx);
    expect(res.statusCode).toBe(504);
    await sleep(80);
    expect(log.mock.calls.some((c) => String(c[0]).includes('post-timeout activity'))).toBe(true);
  });

  it('propagates handler errors that happen before the deadline', async () => {
    const { ctx } = fakeContext({ url: '/api/v1/pods' });
    await expect(
      withTimeout({ requestTimeoutMs: 1000 })(async () => {
        throw new Error('early');
      })(ctx),
    ).rejects.toThrow('early');
  });
});
