import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { goClientErrorHandler } from './framework-errors';

function socket() {
  const s = new PassThrough();
  let written = '';
  s.on('data', (d: Buffer) => (written += d.toString()));
  return { s, written: () => written };
}

describe('goClientErrorHandler', () => {
  it("answers unreadable requests with Go net/http's plain text and closes", async () => {
    const bad = socket();
    goClientErrorHandler(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), bad.s);
    await new Promise((r) => setImmediate(r));
    expect(bad.written()).toBe('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
    const big = socket();
    goClientErrorHandler(Object.assign(new Error('overflow'), { code: 'HPE_HEADER_OVERFLOW' }), big.s);
    await new Promise((r) => setImmediate(r));
    expect(big.written()).toContain('431 Request Header Fields Too Large\r\n');
  });
  it('leaves reset connections alone', () => {
    const r = socket();
    goClientErrorHandler(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), r.s);
    expect(r.written()).toBe('');
  });
});
