/**
 * A hand-written protobuf codec for the Konnectivity `Packet` (proto/konnectivity/konnectivity.proto),
 * the hot path of the tunnel: every DATA packet is encoded and decoded at each hop. Byte for byte
 * what protobufjs produces for the same message (fields in number order, proto3 defaults omitted,
 * as Go does), checked against protobufjs in codec.test.ts; decoding accepts any field order and
 * skips unknown fields. DATA payloads are decoded without a copy (a view of the gRPC message) and
 * encoded with exactly one copy. int64 ids are decimal strings (Go peers use the full range).
 */
import type { Packet } from './proto';

const EMPTY = Buffer.alloc(0);

// ---- encoding -----------------------------------------------------------------------------------

/** an int64 field value ('' / '0' / 0 = default) as an unsigned 64-bit varint source */
type Int = number | bigint;

function toInt(v: string | number | undefined): Int {
  if (v === undefined || v === '' || v === '0' || v === 0) return 0;
  if (typeof v === 'number') return v;
  if (v.length < 16 && /^-?\d+$/.test(v)) {
    const n = Number(v);
    return n < 0 ? BigInt.asUintN(64, BigInt(n)) : n;
  }
  return BigInt.asUintN(64, BigInt(v));
}

function varintSize(v: Int): number {
  if (typeof v === 'number') {
    let n = 1;
    while (v >= 128) {
      v = Math.floor(v / 128);
      n++;
    }
    return n;
  }
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }
  varint(v: Int): void {
    if (typeof v === 'number') {
      while (v >= 128) {
        this.buf[this.pos++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      this.buf[this.pos++] = v;
      return;
    }
    while (v >= 128n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }
  bytes(b: Buffer): void {
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
}

/** one field of a payload message: number, and a string/bytes or int64 value */
type Field = { n: number; s: Buffer } | { n: number; i: Int };

function fieldSize(f: Field): number {
  const tag = varintSize(f.n << 3);
  return 's' in f ? tag + varintSize(f.s.length) + f.s.length : tag + varintSize(f.i);
}

function str(n: number, v: string | undefined): Field | undefined {
  return v ? { n, s: Buffer.from(v, 'utf8') } : undefined;
}
function bin(n: number, v: Buffer | undefined): Field | undefined {
  return v && v.length ? { n, s: v } : undefined;
}
function int(n: number, v: string | number | undefined): Field | undefined {
  const i = toInt(v);
  return i === 0 || i === 0n ? undefined : { n, i };
}

/** the payload field number and its fields, in field-number order */
function payloadOf(p: Packet): [number, (Field | undefined)[]] | undefined {
  if (p.dialRequest) {
    const r = p.dialRequest;
    return [2, [str(1, r.protocol), str(2, r.address), int(3, r.random), str(100, r.traceparent), str(101, r.tracestate)]];
  }
  if (p.dialResponse) return [3, [str(1, p.dialResponse.error), int(2, p.dialResponse.connectID), int(3, p.dialResponse.random)]];
  if (p.data) return [4, [int(1, p.data.connectID), str(2, p.data.error), bin(3, p.data.data)]];
  if (p.closeRequest) return [5, [int(1, p.closeRequest.connectID)]];
  if (p.closeResponse) return [6, [str(1, p.closeResponse.error), int(2, p.closeResponse.connectID)]];
  if (p.closeDial) return [7, [int(1, p.closeDial.random)]];
  if (p.drain) return [8, []];
  if (p.windowUpdate) return [100, [int(1, p.windowUpdate.connectID), int(2, p.windowUpdate.bytes)]];
  return undefined;
}

export function encodePacket(p: Packet): Buffer {
  return encodeWith(p, (size) => Buffer.allocUnsafe(size));
}

let scratch = Buffer.allocUnsafe(0);

/**
 * encodePacket into one shared scratch buffer: the result is only valid until the next call. For
 * serializers whose caller copies the bytes at once: grpc-js's server (serializeMessage copies
 * the message into the length-prefixed frame right after calling the serializer). It saves a
 * packet-sized allocation and copy per packet a server sends (GC pressure on the hottest path).
 * Not for clients: grpc-js frames client messages a few promise hops later.
 */
export function encodePacketTransient(p: Packet): Buffer {
  return encodeWith(p, (size) => {
    if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
    return scratch.subarray(0, size);
  });
}

function encodeWith(p: Packet, alloc: (size: number) => Buffer): Buffer {
  const type = p.type ? toInt(p.type) : 0;
  const payload = payloadOf(p);
  const fields = (payload?.[1] ?? []).filter((f): f is Field => f !== undefined);
  let inner = 0;
  for (const f of fields) inner += fieldSize(f);
  let size = type ? 1 + varintSize(type) : 0;
  if (payload) size += varintSize(payload[0] << 3) + varintSize(inner) + inner;
  const w = new Writer(alloc(size));
  if (type) {
    w.byte(0x08);
    w.varint(type);
  }
  if (payload) {
    w.varint((payload[0] << 3) | 2);
    w.varint(inner);
    for (const f of fields) {
      if ('s' in f) {
        w.varint((f.n << 3) | 2);
        w.varint(f.s.length);
        w.bytes(f.s);
      } else {
        w.varint(f.n << 3);
        w.varint(f.i);
      }
    }
  }
  return w.buf;
}

// ---- decoding -----------------------------------------------------------------------------------

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  /** a varint as a number (exact below 2^53; larger values are only used as lengths/tags) */
  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
      if (mul > 2 ** 63) throw new Error('varint too long');
    }
  }
  /** an int64 varint as a signed decimal string */
  int64(): string {
    const start = this.pos;
    const v = this.uvarint();
    if (v < Number.MAX_SAFE_INTEGER) return String(v);
    let big = 0n;
    let shift = 0n;
    for (let i = start; i < this.pos; i++) {
      big |= BigInt(this.buf[i] & 127) << shift;
      shift += 7n;
    }
    return BigInt.asIntN(64, big).toString();
  }
  bytes(): Buffer {
    const n = this.uvarint();
    if (this.pos + n > this.end) throw new Error('truncated length-delimited field');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.uvarint();
    else if (wire === 2) this.bytes();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error('truncated field');
  }
}

type Kind = 's' | 'i' | 'b';
const SCHEMAS: Record<number, { key: keyof Packet; fields: Record<number, [string, Kind]> }> = {
  2: { key: 'dialRequest', fields: { 1: ['protocol', 's'], 2: ['address', 's'], 3: ['random', 'i'], 100: ['traceparent', 's'], 101: ['tracestate', 's'] } },
  3: { key: 'dialResponse', fields: { 1: ['error', 's'], 2: ['connectID', 'i'], 3: ['random', 'i'] } },
  4: { key: 'data', fields: { 1: ['connectID', 'i'], 2: ['error', 's'], 3: ['data', 'b'] } },
  5: { key: 'closeRequest', fields: { 1: ['connectID', 'i'] } },
  6: { key: 'closeResponse', fields: { 1: ['error', 's'], 2: ['connectID', 'i'] } },
  7: { key: 'closeDial', fields: { 1: ['random', 'i'] } },
  8: { key: 'drain', fields: {} },
  100: { key: 'windowUpdate', fields: { 1: ['connectID', 'i'], 2: ['bytes', 'i'] } },
};

/** optional extension fields: absent unless sent (kept out of objects from upstream peers) */
const OPTIONAL = new Set(['traceparent', 'tracestate']);

function defaults(fields: Record<number, [string, Kind]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, kind] of Object.values(fields)) if (!OPTIONAL.has(name)) o[name] = kind === 's' ? '' : kind === 'i' ? '0' : EMPTY;
  return o;
}

export function decodePacket(buf: Buffer): Packet {
  const r = new Reader(buf, 0, buf.length);
  const p: Packet = { type: 0 };
  let payloadKey: string | undefined;
  while (r.pos < r.end) {
    const tag = r.uvarint();
    const num = Math.floor(tag / 8);
    const wire = tag & 7;
    if (num === 1 && wire === 0) {
      p.type = r.uvarint();
      continue;
    }
    const schema = SCHEMAS[num];
    if (!schema || wire !== 2) {
      r.skip(wire);
      continue;
    }
    const len = r.uvarint();
    const end = r.pos + len;
    if (end > r.end) throw new Error('truncated payload');
    const sub = new Reader(buf, r.pos, end);
    const o = defaults(schema.fields);
    while (sub.pos < sub.end) {
      const t = sub.uvarint();
      const f = schema.fields[Math.floor(t / 8)];
      const w = t & 7;
      if (!f || (f[1] === 'i' ? w !== 0 : w !== 2)) {
        sub.skip(w);
        continue;
      }
      if (f[1] === 'i') o[f[0]] = sub.int64();
      else if (f[1] === 's') o[f[0]] = sub.bytes().toString('utf8');
      else {
        const b = sub.bytes();
        o[f[0]] = b.length ? b : EMPTY;
      }
    }
    r.pos = end;
    // a oneof: the last payload field wins, as in protobuf
    if (payloadKey !== undefined && payloadKey !== schema.key) delete (p as unknown as Record<string, unknown>)[payloadKey];
    payloadKey = schema.key;
    (p as unknown as Record<string, unknown>)[schema.key] = o;
  }
  return p;
}
