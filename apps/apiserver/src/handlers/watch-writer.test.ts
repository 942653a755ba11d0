import { createServer, request, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { SharedStorageEvent } from '../../../../libs/storage/src/interface';
import { sharedEncodings, sharedEventFrame, WATCH_BUFFER_BYTES, WatchWriter } from './watch-writer';

const cmDef = { group: '', version: 'v1', kind: 'ConfigMap' } as ResourceDefinition;
const otherDef = { group: 'example.com', version: 'v2', kind: 'Thing' } as ResourceDefinition;

describe('sharedEventFrame', () => {
  it('encodes a shared change once per (resource, type) as one HTTP chunk of the event line', () => {
    const shared: SharedStorageEvent = { type: 'ADDED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'é', resourceVersion: '5' } } };
    const before = sharedEncodings();
    const a = sharedEventFrame(shared, 'ADDED', cmDef);
    for (let i = 0; i < 100; i++) expect(sharedEventFrame(shared, 'ADDED', cmDef)).toBe(a);
    expect(sharedEncodings() - before).toBe(1);
    const line = `${JSON.stringify({ type: 'ADDED', object: shared.object })}\n`;
    const len = Buffer.byteLength(line);
    expect(a.chunk.toString()).toBe(`${len.toString(16)}\r\n${line}\r\n`);
    // another served version sets its own apiVersion/kind, without touching the shared object
    const b = sharedEventFrame(shared, 'ADDED', otherDef);
    expect(JSON.parse(b.chunk.subarray(b.start, b.chunk.length - 2).toString()).object).toMatchObject({ apiVersion: 'example.com/v2', kind: 'Thing' });
    expect(shared.object.apiVersion).toBe('v1');
    expect(sharedEncodings() - before).toBe(2);
  });
});

describe('WatchWriter', () => {
  it('writes pre-framed chunks straight to the socket, coalesced per event-loop turn; the client reads the same lines', async () => {
    const shared: SharedStorageEvent = { type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '7' } } };
    let direct: boolean | undefined;
    const server = createServer((_req, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      const w = new WatchWriter(res);
      direct = w.direct;
      w.writeShared(shared, 'MODIFIED', cmDef);
      w.writeLine('{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"8"}}}\n');
      w.writeShared(shared, 'MODIFIED', cmDef);
      expect(w.slow).toBe(false);
      expect(w.queuedBytes).toBeGreaterThan(0); // coalesced until the end of this turn
      setImmediate(() => {
        expect(w.queuedBytes).toBe(0); // flushed as one write
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => {
          let b = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (b += c));
          res.on('end', () => resolve(b));
        })
          .on('error', reject)
          .end();
      });
      expect(direct).toBe(true);
      const lines = body.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
      expect(lines.map((l) => l.type)).toEqual(['MODIFIED', 'BOOKMARK', 'MODIFIED']);
      expect(lines[0]).toEqual({ type: 'MODIFIED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7' } } });
    } finally {
      server.close();
    }
  });

  it('reports a client that does not read as slow once more than 4 × the byte limit is queued', async () => {
    let slowAfter = -1;
    const done = new Promise<void>((resolve) => {
      const server = createServer((_req, res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        res.flushHeaders();
        const w = new WatchWriter(res);
        const line = `${'x'.repeat(1024 * 1024 - 1)}\n`;
        for (let i = 1; i <= 8 * (WATCH_BUFFER_BYTES >> 20) && !w.slow; i++) {
          w.writeLine(line);
          if (w.slow) slowAfter = i;
        }
        res.destroy();
        server.close();
        resolve();
      });
      server.listen(0, '127.0.0.1', () => {
        // a client that never reads its response
        const req = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => res.pause());
        req.on('error', () => undefined);
        req.end();
      });
    });
    await done;
    const limitMiB = WATCH_BUFFER_BYTES >> 20;
    expect(slowAfter).toBeGreaterThanOrEqual(4 * limitMiB); // queued bytes include the chunk framing
    expect(slowAfter).toBeLessThanOrEqual(4 * limitMiB + 1);
  });
});
