/**
 * SPDY/3.1 framing (SPDY Protocol Draft 3.1, section 2.2 / 2.6): frame types, an incremental
 * parser and the encoders, plus the zlib header-block codec.
 *
 * Control frame:  |1| version(15)=3 | type(16) | flags(8) | length(24) | data
 * Data frame:     |0| stream-id(31)            | flags(8) | length(24) | data
 *
 * Header blocks are one zlib stream per direction, primed with the SPDY/3 dictionary, each block
 * ending at a Z_SYNC_FLUSH boundary. Because every block is byte aligned and complete, each one is
 * (de)compressed here synchronously as raw deflate with the stream's last 32 KiB (dictionary +
 * earlier blocks) as preset window — the bytes on the wire are the same single continuous stream
 * the peer's inflater/deflater expects (Go's compress/zlib in spdystream, Chromium).
 */
import { constants as Z, deflateRawSync, inflateRawSync } from 'node:zlib';
import { adler32, SPDY3_DICTIONARY } from './dictionary';

export const SPDY_VERSION = 3;

export const enum FrameType {
  SYN_STREAM = 1,
  SYN_REPLY = 2,
  RST_STREAM = 3,
  SETTINGS = 4,
  PING = 6,
  GOAWAY = 7,
  HEADERS = 8,
  WINDOW_UPDATE = 9,
}

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

export const RstStatus = {
  PROTOCOL_ERROR: 1,
  INVALID_STREAM: 2,
  REFUSED_STREAM: 3,
  UNSUPPORTED_VERSION: 4,
  CANCEL: 5,
  INTERNAL_ERROR: 6,
  FLOW_CONTROL_ERROR: 7,
  STREAM_IN_USE: 8,
  STREAM_ALREADY_CLOSED: 9,
  INVALID_CREDENTIALS: 10,
  FRAME_TOO_LARGE: 11,
} as const;

export const GoAwayStatus = { OK: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2 } as const;

export const Settings = {
  UPLOAD_BANDWIDTH: 1,
  DOWNLOAD_BANDWIDTH: 2,
  ROUND_TRIP_TIME: 3,
  MAX_CONCURRENT_STREAMS: 4,
  CURRENT_CWND: 5,
  DOWNLOAD_RETRANS_RATE: 6,
  INITIAL_WINDOW_SIZE: 7,
  CLIENT_CERTIFICATE_VECTOR_SIZE: 8,
} as const;

/** Header names are lower case; a value holding several values separates them with NUL. */
export type Headers = Record<string, string>;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headers: Headers }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: Headers }
  | { type: 'headers'; streamId: number; flags: number; headers: Headers }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; data: Buffer };

export class SpdyProtocolError extends Error {
  constructor(
    message: string,
    readonly streamId = 0,
  ) {
    super(message);
  }
}

// header blocks -------------------------------------------------------------------------------

const WINDOW = 32 * 1024;

/** The sending side's zlib stream. */
export class HeaderCompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;

  compress(headers: Headers): Buffer {
    const raw = encodeHeaderBlock(headers);
    let out = deflateRawSync(raw, { level: 9, dictionary: this.history, finishFlush: Z.Z_SYNC_FLUSH });
    this.history = appendWindow(this.history, raw);
    if (!this.started) {
      this.started = true;
      // zlib header: deflate, 32 KiB window, FDICT, max compression; DICTID
      const h = Buffer.alloc(6);
      h[0] = 0x78;
      h[1] = 0xf9;
      h.writeUInt32BE(adler32(SPDY3_DICTIONARY), 2);
      out = Buffer.concat([h, out]);
    }
    return out;
  }
}

/** The receiving side's zlib stream. */
export class HeaderDecompressor {
  private history: Buffer = SPDY3_DICTIONARY;
  private started = false;

  decompress(block: Buffer): Headers {
    let body = block;
    if (!this.started) {
      if (block.length < 2) throw new SpdyProtocolError('header block too short');
      const cmf = block[0];
      const flg = block[1];
      if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw new SpdyProtocolError('invalid zlib header in header block');
      let skip = 2;
      if (flg & 0x20) {
        if (block.length < 6) throw new SpdyProtocolError('header block too short');
        if (block.readUInt32BE(2) !== adler32(SPDY3_DICTIONARY)) throw new SpdyProtocolError('header block uses an unknown zlib dictionary');
        skip = 6;
      }
      this.started = true;
      body = block.subarray(skip);
    }
    let raw: Buffer;
    try {
      raw = body.length ? inflateRawSync(body, { dictionary: this.history, finishFlush: Z.Z_SYNC_FLUSH }) : Buffer.alloc(0);
    } catch (e) {
      throw new SpdyProtocolError(`header block decompression failed: ${(e as Error).message}`);
    }
    this.history = appendWindow(this.history, raw);
    return decodeHeaderBlock(raw);
  }
}

function appendWindow(history: Buffer, more: Buffer): Buffer {
  if (!more.length) return history;
  const all = Buffer.concat([history, more]);
  return all.length > WINDOW ? all.subarray(all.length - WINDOW) : all;
}

/** The uncompressed name/value block: count, then (len, name, len, value) pairs, all 32-bit BE. */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [k, v] of entries) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, 'utf8');
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(raw: Buffer): Headers {
  const out: Headers = {};
  if (raw.length < 4) throw new SpdyProtocolError('header block too short');
  const n = raw.readUInt32BE(0);
  let off = 4;
  const str = (): string => {
    if (off + 4 > raw.length) throw new SpdyProtocolError('truncated header block');
    const len = raw.readUInt32BE(off);
    off += 4;
    if (off + len > raw.length) throw new SpdyProtocolError('truncated header block');
    const s = raw.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < n; i++) {
    const k = str();
    const v = str();
    if (k !== k.toLowerCase()) throw new SpdyProtocolError(`header name ${JSON.stringify(k)} is not lower case`);
    if (k in out) throw new SpdyProtocolError(`duplicate header ${JSON.stringify(k)}`);
    out[k] = v;
  }
  return out;
}

// encoders ------------------------------------------------------------------------------------

function control(type: number, flags: number, body: Buffer): Buffer {
  if (body.length > 0xffffff) throw new SpdyProtocolError('frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([h, body]);
}

export function encodeData(streamId: number, data: Buffer, fin = false): Buffer {
  if (data.length > 0xffffff) throw new SpdyProtocolError('frame too large');
  const h = Buffer.alloc(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24) | data.length, 4);
  return data.length ? Buffer.concat([h, data]) : h;
}

export function encodeSynStream(z: HeaderCompressor, f: { streamId: number; associatedId?: number; priority?: number; flags?: number; headers: Headers }): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt32BE(f.streamId & 0x7fffffff, 0);
  b.writeUInt32BE((f.associatedId ?? 0) & 0x7fffffff, 4);
  b[8] = ((f.priority ?? 0) & 7) << 5;
  b[9] = 0;
  return control(FrameType.SYN_STREAM, f.flags ?? 0, Buffer.concat([b, z.compress(f.headers)]));
}

export function encodeSynReply(z: HeaderCompressor, streamId: number, headers: Headers, fin = false): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(streamId & 0x7fffffff);
  return control(FrameType.SYN_REPLY, fin ? FLAG_FIN : 0, Buffer.concat([b, z.compress(headers)]));
}

export function encodeHeaders(z: HeaderCompressor, streamId: number, headers: Headers, fin = false): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(streamId & 0x7fffffff);
  return control(FrameType.HEADERS, fin ? FLAG_FIN : 0, Buffer.concat([b, z.compress(headers)]));
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(status >>> 0, 4);
  return control(FrameType.RST_STREAM, 0, b);
}

export function encodeSettings(entries: { id: number; value: number; flags?: number }[], flags = 0): Buffer {
  const b = Buffer.alloc(4 + entries.length * 8);
  b.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    b.writeUInt32BE((((e.flags ?? 0) & 0xff) << 24) | (e.id & 0xffffff), 4 + i * 8);
    b.writeUInt32BE(e.value >>> 0, 8 + i * 8);
  });
  return control(FrameType.SETTINGS, flags, b);
}

export function encodePing(id: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(id >>> 0);
  return control(FrameType.PING, 0, b);
}

export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(lastGoodStreamId & 0x7fffffff, 0);
  b.writeUInt32BE(status >>> 0, 4);
  return control(FrameType.GOAWAY, 0, b);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(streamId & 0x7fffffff, 0);
  b.writeUInt32BE(delta & 0x7fffffff, 4);
  return control(FrameType.WINDOW_UPDATE, 0, b);
}

// parser --------------------------------------------------------------------------------------

/** Incremental: push bytes, get whole frames. Header blocks are decompressed in arrival order. */
export class FrameParser {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly z = new HeaderDecompressor(),
    private readonly maxFrame = 0xffffff,
  ) {}

  push(buf: Buffer): Frame[] {
    if (buf.length) {
      this.chunks.push(buf);
      this.size += buf.length;
    }
    const out: Frame[] = [];
    for (;;) {
      if (this.size < 8) break;
      const head = this.peek(8);
      const len = head.readUInt32BE(4) & 0xffffff;
      if (len > this.maxFrame) throw new SpdyProtocolError('frame too large');
      if (this.size < 8 + len) break;
      const frame = this.take(8 + len);
      out.push(this.decode(frame));
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    return all.subarray(0, n);
  }

  private take(n: number): Buffer {
    let first = this.chunks[0];
    if (first.length < n) {
      const all = Buffer.concat(this.chunks);
      this.chunks = [all];
      first = all;
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.size -= n;
    return out;
  }

  private decode(f: Buffer): Frame {
    const w0 = f.readUInt32BE(0);
    const flags = f[4];
    const body = f.subarray(8);
    if (!(w0 & 0x80000000)) return { type: 'data', streamId: w0 & 0x7fffffff, flags, data: body };
    const version = (w0 >>> 16) & 0x7fff;
    const type = w0 & 0xffff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    const need = (n: number) => {
      if (body.length < n) throw new SpdyProtocolError(`invalid control frame (type ${type}, length ${body.length})`);
    };
    switch (type) {
      case FrameType.SYN_STREAM: {
        need(10);
        const streamId = body.readUInt32BE(0) & 0x7fffffff;
        if (!streamId) throw new SpdyProtocolError('stream id zero is disallowed');
        return {
          type: 'syn_stream',
          streamId,
          associatedId: body.readUInt32BE(4) & 0x7fffffff,
          priority: body[8] >>> 5,
          slot: body[9],
          flags,
          headers: this.z.decompress(body.subarray(10)),
        };
      }
      case FrameType.SYN_REPLY:
      case FrameType.HEADERS: {
        need(4);
        const streamId = body.readUInt32BE(0) & 0x7fffffff;
        const headers = this.z.decompress(body.subarray(4));
        return { type: type === FrameType.SYN_REPLY ? 'syn_reply' : 'headers', streamId, flags, headers };
      }
      case FrameType.RST_STREAM:
        need(8);
        return { type: 'rst_stream', streamId: body.readUInt32BE(0) & 0x7fffffff, status: body.readUInt32BE(4) };
      case FrameType.SETTINGS: {
        need(4);
        const n = body.readUInt32BE(0);
        need(4 + n * 8);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const a = body.readUInt32BE(4 + i * 8);
          entries.push({ flags: a >>> 24, id: a & 0xffffff, value: body.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', flags, entries };
      }
      case FrameType.PING:
        need(4);
        return { type: 'ping', id: body.readUInt32BE(0) };
      case FrameType.GOAWAY:
        need(4);
        return { type: 'goaway', lastGoodStreamId: body.readUInt32BE(0) & 0x7fffffff, status: body.length >= 8 ? body.readUInt32BE(4) : 0 };
      case FrameType.WINDOW_UPDATE:
        need(8);
        return { type: 'window_update', streamId: body.readUInt32BE(0) & 0x7fffffff, delta: body.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', frameType: type, flags, data: body };
    }
  }
}
