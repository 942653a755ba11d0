import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect, Socket } from 'node:net';
import { constants as Z, createDeflate, createInflate } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adler32, SPDY3_DICTIONARY } from './dictionary';
import {
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSettings,
  encodeSynReply,
  encodeSynStream,
  encodeWindowUpdate,
  encodeHeaders,
  Frame,
  FrameParser,
  HeaderCompressor,
  HeaderDecompressor,
  encodeHeaderBlock,
  Headers,
} from './frames';
import { SpdySession, SpdyStream } from './session';

/** Run data through a real streaming zlib with Z_SYNC_FLUSH, as a peer's one-stream-per-direction codec does. */
async function streamed(z: ReturnType<typeof createDeflate> | ReturnType<typeof createInflate>, input: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const on = (c: Buffer) => chunks.push(c);
  z.on('data', on);
  z.write(input);
  await new Promise<void>((r) => z.flush(Z.Z_SYNC_FLUSH, () => r()));
  z.off('data', on);
  return Buffer.concat(chunks);
}

describe('SPDY/3 dictionary', () => {
  it('is the 1423-byte dictionary of the spec', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY3_DICTIONARY)).toBe(0xe3c6a7c2);
    expect(SPDY3_DICTIONARY.subarray(0, 11)).toEqual(Buffer.from('\0\0\0\x07options', 'latin1'));
    expect(SPDY3_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
  });
});

describe('header compression', () => {
  const blocks: Headers[] = [
    { streamtype: 'error', port: '80', requestid: '0' },
    { streamtype: 'data', port: '80', requestid: '0' },
    { streamtype: 'data', port: '8080', requestid: '1', 'x-long': 'y'.repeat(40_000) },
    {},
  ];

  it('round-trips through our compressor and decompressor (one stream per direction)', () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    for (const h of blocks) expect(d.decompress(c.compress(h))).toEqual(h);
  });

  it('our compressed stream inflates with a streaming zlib primed with the dictionary', async () => {
    const c = new HeaderCompressor();
    const inflate = createInflate({ dictionary: SPDY3_DICTIONARY });
    for (const h of blocks) expect(await streamed(inflate, c.compress(h))).toEqual(encodeHeaderBlock(h));
    inflate.close();
  });

  it('decompresses what a streaming zlib deflater (as spdystream) produces', async () => {
    const deflate = createDeflate({ level: 9, dictionary: SPDY3_DICTIONARY });
    const d = new HeaderDecompressor();
    for (const h of blocks) expect(d.decompress(await streamed(deflate, encodeHeaderBlock(h)))).toEqual(h);
    deflate.close();
  });

  it('rejects a header block with another dictionary', async () => {
    const deflate = createDeflate({ dictionary: Buffer.from('nope') });
    const block = await streamed(deflate, encodeHeaderBlock({ a: 'b' }));
    expect(() => new HeaderDecompressor().decompress(block)).toThrow(/dictionary/);
    deflate.close();
  });
});

describe('frame codec', () => {
  it('round-trips every frame type, split at every byte boundary', () => {
    const c = new HeaderCompressor();
    const wire = Buffer.concat([
      encodeSynStream(c, { streamId: 1, associatedId: 0, priority: 3, flags: 0, headers: { streamtype: 'error', port: '80' } }),
      encodeSynReply(c, 1, { a: 'b\0c' }),
      encodeHeaders(c, 1, { trailer: 'x' }, true),
      encodeData(1, Buffer.from('hello')),
      encodeData(1, Buffer.alloc(0), true),
      encodeRstStream(3, 5),
      encodeSettings([{ id: 7, value: 1 << 20 }, { id: 4, value: 100, flags: 1 }]),
      encodePing(7),
      encodeGoAway(9, 0),
      encodeWindowUpdate(0, 12345),
      encodeWindowUpdate(1, 65536),
    ]);
    const expected: Frame[] = [
      { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, slot: 0, flags: 0, headers: { streamtype: 'error', port: '80' } },
      { type: 'syn_reply', streamId: 1, flags: 0, headers: { a: 'b\0c' } },
      { type: 'headers', streamId: 1, flags: 1, headers: { trailer: 'x' } },
      { type: 'data', streamId: 1, flags: 0, data: Buffer.from('hello') },
      { type: 'data', streamId: 1, flags: 1, data: Buffer.alloc(0) },
      { type: 'rst_stream', streamId: 3, status: 5 },
      { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 1 << 20 }, { flags: 1, id: 4, value: 100 }] },
      { type: 'ping', id: 7 },
      { type: 'goaway', lastGoodStreamId: 9, status: 0 },
      { type: 'window_update', streamId: 0, delta: 12345 },
      { type: 'window_update', streamId: 1, delta: 65536 },
    ];
    expect(new FrameParser().push(wire)).toEqual(expected);
    for (let cut = 1; cut < wire.length; cut += 7) {
      const p = new FrameParser();
      const got = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
      expect(got).toEqual(expected);
    }
    // byte by byte
    const p = new FrameParser();
    const got: Frame[] = [];
    for (let i = 0; i < wire.length; i++) got.push(...p.push(wire.subarray(i, i + 1)));
    expect(got).toEqual(expected);
  });

  it('checks the wire layout of a control and a data frame', () => {
    const ping = encodePing(1);
    expect(ping.toString('hex')).toBe('80030006' + '00000004' + '00000001');
    const data = encodeData(3, Buffer.from('ab'), true);
    expect(data.toString('hex')).toBe('00000003' + '01000002' + '6162');
  });
});

async function pair(serverOpts = {}, clientOpts = {}): Promise<{ server: SpdySession; client: SpdySession; close: () => void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const c = connect(port, '127.0.0.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  const s = await accepted;
  srv.close();
  const server = new SpdySession(s, { server: true, ...serverOpts });
  const client = new SpdySession(c, { server: false, ...clientOpts });
  return { server, client, close: () => (c.destroy(), s.destroy()) };
}

function collect(s: SpdyStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

describe('SpdySession', () => {
  it('streams, replies, FIN both ways, ping, and 8 MiB with enforced flow control', async () => {
    const { server, client, close } = await pair({ enforcePeerWindow: 'always' }, { enforcePeerWindow: 'always' });
    try {
      server.on('stream', (s: SpdyStream) => {
        s.reply({ ok: 'yes' });
        // echo
        s.pipe(s);
      });
      expect(await client.ping()).toBeGreaterThanOrEqual(0);
      const st = client.openStream({ streamtype: 'data', port: '80' });
      const reply = new Promise((r) => st.once('response', r));
      const payload = randomBytes(8 * 1024 * 1024);
      const got = collect(st);
      st.end(payload);
      expect(await reply).toEqual({ ok: 'yes' });
      const back = await got;
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
      await new Promise((r) => setTimeout(r, 20));
      expect(server.streamCount).toBe(0);
      expect(client.streamCount).toBe(0);
    } finally {
      close();
    }
  });

  it('a peer without flow control (no WINDOW_UPDATE) is not stalled by our window accounting', async () => {
    const { server, client, close } = await pair({}, { enforcePeerWindow: 'never' });
    try {
      // drop the client's WINDOW_UPDATEs: the server never sees one, as with spdystream
      const write = client.socket.write.bind(client.socket);
      (client.socket as unknown as { write: (b: Buffer) => boolean }).write = (b: Buffer) => (b.length === 16 && b.readUInt16BE(2) === 9 ? true : write(b));
      server.on('stream', (s: SpdyStream) => {
        s.reply();
        s.end(Buffer.alloc(1024 * 1024, 7));
      });
      const st = client.openStream({ x: 'y' }, { fin: true });
      const got = await collect(st);
      expect(got.length).toBe(1024 * 1024);
    } finally {
      close();
    }
  });

  it('RST_STREAM tears the stream down on the other side; GOAWAY ends the session', async () => {
    const { server, client, close } = await pair();
    try {
      const reset = new Promise<number>((resolve) => server.on('stream', (s: SpdyStream) => s.on('reset', resolve)));
      const st = client.openStream({ a: 'b' });
      st.on('error', () => undefined);
      await new Promise((r) => setTimeout(r, 20));
      st.reset(5);
      expect(await reset).toBe(5);
      const closed = new Promise((r) => client.on('close', r));
      server.goAway();
      await closed;
    } finally {
      close();
    }
  });
});
