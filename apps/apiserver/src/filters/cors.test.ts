import { describe, expect, it } from 'vitest';
import { withCORS } from './cors';
import { fakeContext, okHandler } from './fake-context';

const opts = { corsAllowedOrigins: ['^https://app\\.example\\.com$', '//localhost(:|$)'] };

describe('withCORS', () => {
  it('is disabled without patterns', () => {
    expect(withCORS({ corsAllowedOrigins: [] })(okHandler)).toBe(okHandler);
  });

  it('adds upstream headers for an allowed origin', async () => {
    const { ctx, res } = fakeContext({ url: '/api/v1/pods', headers: { Origin: 'https://app.example.com' } });
    await withCORS(opts)(okHandler)(ctx);
    expect(res.statusCode).toBe(200);
    expect(res.getHeaders()).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'POST, GET, OPTIONS, PUT, DELETE, PATCH',
      'access-control-allow-headers': 'Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token, Authorization, X-Requested-With, If-Modified-Since',
      'access-control-expose-headers': 'Date',
      'access-control-allow-credentials': 'true',
    });
  });

  it('answers preflights for allowed origins with 204 without calling the handler', async () => {
    const { ctx, res } = fakeContext({ method: 'OPTIONS', url: '/api/v1/pods', headers: { Origin: 'http://localhost:3000' } });
    let called = false;
    await withCORS(opts)(async () => {
      called = true;
    })(ctx);
    expect(called).toBe(false);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.getHeader('access-control-allow-origin')).toBe('http://localhost:3000');
  });

  it('leaves other origins and requests without Origin alone', async () => {
    for (const headers of [{ Origin: 'https://evil.example.com' }, {}] as Array<Record<string, string>>) {
      const { ctx, res } = fakeContext({ method: 'OPTIONS', url: '/api/v1/pods', headers });
      await withCORS(opts)(okHandler)(ctx);
      expect(res.statusCode).toBe(200);
      expect(res.getHeader('access-control-allow-origin')).toBeUndefined();
    }
  });
});
