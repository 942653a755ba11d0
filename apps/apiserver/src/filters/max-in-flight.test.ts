import { describe, expect, it } from 'vitest';
import type { Handler } from '../http/context';
import { fakeContext, okHandler } from './fake-context';
import { withMaxInFlight } from './max-in-flight';

/** A handler that stays in flight until released. */
function gate() {
  const releases: Array<() => void> = [];
  const handler: Handler = async (ctx) => {
    await new Promise<void>((r) => releases.push(r));
    await okHandler(ctx);
  };
  return { handler, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

describe('withMaxInFlight', () => {
  it('rejects read-only requests over the limit with upstream 429, and frees slots', async () => {
    const g = gate();
    const h = withMaxInFlight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 1 })(g.handler);
    const first = fakeContext({ url: '/api/v1/pods' });
    const p1 = h(first.ctx);
    const second = fakeContext({ url: '/api/v1/namespaces/a/pods/x' });
    await h(second.ctx);
    expect(second.res.statusCode).toBe(429);
    expect(second.res.getHeader('retry-after')).toBe('1');
    expect(second.res.getHeader('content-type')).toBe('text/plain; charset=utf-8');
    expect(second.res.body).toBe('Too many requests, please try again later.\n');

    // the mutating bucket is separate
    const post = fakeContext({ method: 'POST', url: '/api/v1/namespaces/a/pods' });
    const p2 = h(post.ctx);
    g.releaseAll();
    await Promise.all([p1, p2]);
    expect(first.res.statusCode).toBe(200);
    expect(post.res.statusCode).toBe(200);

    const third = fakeContext({ url: '/api/v1/pods' });
    const p3 = h(third.ctx);
    g.releaseAll();
    await p3;
    expect(third.res.statusCode).toBe(200);
  });

  it('limits mutating requests separately', async () => {
    const g = gate();
    const h = withMaxInFlight({ maxRequestsInflight: 0, maxMutatingRequestsInflight: 1 })(g.handler);
    const a = fakeContext({ method: 'DELETE', url: '/api/v1/namespaces/a/pods/x' });
    const pa = h(a.ctx);
    const b = fakeContext({ method: 'PATCH', url: '/api/v1/namespaces/a/pods/y' });
    await h(b.ctx);
    expect(b.res.statusCode).toBe(429);
    // read-only is unlimited (0)
    const reads = Array.from({ length: 5 }, () => fakeContext({ url: '/api/v1/pods' }));
    const pr = reads.map((r) => h(r.ctx));
    g.releaseAll();
    await Promise.all([pa, ...pr]);
    expect(reads.every((r) => r.res.statusCode === 200)).toBe(true);
  });

  it('does not count or limit long-running requests', async () => {
    const g = gate();
    const h = withMaxInFlight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 1 })(g.handler);
    const watches = Array.from({ length: 3 }, () => fakeContext({ url: '/api/v1/pods?watch=1' }));
    const pw = watches.map((w) => h(w.ctx));
    const exec = fakeContext({ method: 'POST', url: '/api/v1/namespaces/a/pods/x/exec' });
    const pe = h(exec.ctx);
    const get = fakeContext({ url: '/api/v1/pods' });
    const pg = h(get.ctx);
    g.releaseAll();
    await Promise.all([...pw, pe, pg]);
    expect([...watches, exec, get].map((x) => x.res.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });

  it('never rejects system:masters', async () => {
    const g = gate();
    const h = withMaxInFlight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 1 })(g.handler);
    const p1 = h(fakeContext({ url: '/api/v1/pods' }).ctx);
    const admin = fakeContext({ url: '/api/v1/pods', user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } });
    const p2 = h(admin.ctx);
    g.releaseAll();
    await Promise.all([p1, p2]);
    expect(admin.res.statusCode).toBe(200);
  });

  it('exempts the health probes (upstream probes FlowSchema)', async () => {
    const g = gate();
    const h = withMaxInFlight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 1 })(g.handler);
    const p1 = h(fakeContext({ url: '/api/v1/pods' }).ctx);
    const probes = ['/livez', '/readyz', '/healthz'].map((url) => fakeContext({ url }));
    const pp = probes.map((p) => h(p.ctx));
    const other = fakeContext({ url: '/version' });
    await h(other.ctx);
    expect(other.res.statusCode).toBe(429);
    g.releaseAll();
    await Promise.all([p1, ...pp]);
    expect(probes.map((p) => p.res.statusCode)).toEqual([200, 200, 200]);
  });

  it('releases the slot when the handler throws', async () => {
    const h = withMaxInFlight({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 1 })(async () => {
      throw new Error('x');
    });
    await expect(h(fakeContext({ url: '/api/v1/pods' }).ctx)).rejects.toThrow('x');
    await expect(h(fakeContext({ url: '/api/v1/pods' }).ctx)).rejects.toThrow('x'); // not 429
  });

  it('is a no-op when both limits are 0', () => {
    expect(withMaxInFlight({ maxRequestsInflight: 0, maxMutatingRequestsInflight: 0 })(okHandler)).toBe(okHandler);
  });
});
