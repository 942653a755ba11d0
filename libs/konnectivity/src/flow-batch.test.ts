import { randomBytes } from 'node:crypto';
import { connect, createServer, Server, Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { creditBatch, CreditPipe, MAX_CHUNK, MAX_WINDOW } from './flow';
import { AdaptiveReader, MIN_READ } from './socket-reader';

describe('credit batching', () => {
  it('creditBatch is a quarter of the window, 0 without flow control', () => {
    expect(creditBatch(1024 * 1024)).toBe(256 * 1024);
    expect(creditBatch(3)).toBe(1);
    expect(creditBatch(0)).toBe(0);
    // peers cut announced windows at MAX_WINDOW: the batch must stay within what they were granted
    expect(creditBatch(4 * MAX_WINDOW)).toBe(MAX_WINDOW / 4);
  });

  it('CreditPipe reports forwarded bytes in batches, and a sender using all its credit is never stalled', () => {
    const window = 16;
    const forwarded: number[] = [];
    const out: string[] = [];
    let senderCredit = window;
    const pipe = new CreditPipe(Infinity, { write: (c, done) => (out.push(c.toString()), done()), end: () => undefined }, (n) => {
      forwarded.push(n);
      senderCredit += n;
    }, creditBatch(window));
    // the sender writes 1-byte chunks while it has credit, 200 in all
    let sent = 0;
    while (sent < 200 && senderCredit > 0) {
      senderCredit--;
      sent++;
      pipe.push(Buffer.from('x'));
    }
    expect(sent).toBe(200);
    expect(forwarded.every((n) => n >= creditBatch(window))).toBe(true);
    expect(forwarded.length).toBe(200 / creditBatch(window));
    expect(out.join('')).toBe('x'.repeat(200));
  });

  it('without a batch every chunk is reported (the default)', () => {
    const forwarded: number[] = [];
    const pipe = new CreditPipe(Infinity, { write: (_c, done) => done(), end: () => undefined }, (n) => forwarded.push(n));
    pipe.push(Buffer.from('ab'));
    pipe.push(Buffer.from('c'));
    expect(forwarded).toEqual([2, 1]);
  });
});

describe('AdaptiveReader', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('reads backed-up data in chunks larger than 64 KiB (up to MAX_CHUNK), all bytes in order', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    server = createServer((s) => s.end(data));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const reader = new AdaptiveReader();
    const chunks: Buffer[] = [];
    const sock: Socket = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, onread: reader.onread });
    sock.pause(); // let the data back up in the kernel
    await new Promise((r) => setTimeout(r, 200));
    reader.attach((b) => chunks.push(b));
    sock.resume();
    await new Promise<void>((r) => sock.on('end', r));
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(MIN_READ);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(MAX_CHUNK);
  });
});
