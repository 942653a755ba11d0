/**
 * A minimal protocol-buffers wire-format writer and reader (varint, 64-bit and length-delimited
 * fields only), enough to encode and decode the gnostic OpenAPI v2 messages.
 */

const WIRE_VARINT = 0;
const WIRE_64BIT = 1;
const WIRE_BYTES = 2;
const WIRE_32BIT = 5;

export class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  private raw(b: Buffer): void {
    this.chunks.push(b);
  }

  private varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      const bytes: number[] = [];
      let n = value;
      while (n >= 0x80) {
        bytes.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      bytes.push(n);
      this.raw(Buffer.from(bytes));
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.raw(Buffer.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** Writes a string field unless it is undefined or empty (proto3 default). */
  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    const b = Buffer.from(value, 'utf8');
    this.tag(field, WIRE_BYTES);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) {
      const b = Buffer.from(v, 'utf8');
      this.tag(field, WIRE_BYTES);
      this.varint(b.length);
      this.raw(b);
    }
    return this;
  }

  /** Writes a bool field if true; `always` writes false too (oneof members keep presence). */
  bool(field: number, value: boolean | undefined, always = false): this {
    if (value === undefined || (!value && !always)) return this;
    this.tag(field, WIRE_VARINT);
    this.varint(value ? 1 : 0);
    return this;
  }

  int64(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    this.tag(field, WIRE_VARINT);
    this.varint(Math.trunc(value));
    return this;
  }

  double(field: number, value: number | undefined): this {
    if (value === undefined || value === 0) return this;
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.tag(field, WIRE_64BIT);
    this.raw(b);
    return this;
  }

  /** Writes an embedded message (always, even when empty: presence matters for oneofs). */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const sub = new ProtoWriter();
    build(sub);
    const b = sub.finish();
    this.tag(field, WIRE_BYTES);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export type ProtoValue = bigint | Buffer;

/** Decodes one message level into field number → values (varints as bigint, everything else as bytes). */
export function readFields(buf: Buffer): Map<number, ProtoValue[]> {
  const out = new Map<number, ProtoValue[]>();
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    const wire = key & 7;
    let value: ProtoValue;
    switch (wire) {
      case WIRE_VARINT:
        value = readVarint();
        break;
      case WIRE_64BIT:
        value = buf.subarray(pos, pos + 8);
        pos += 8;
        break;
      case WIRE_BYTES: {
        const len = Number(readVarint());
        if (pos + len > buf.length) throw new Error('protobuf: truncated field');
        value = buf.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case WIRE_32BIT:
        value = buf.subarray(pos, pos + 4);
        pos += 4;
        break;
      default:
        throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
    const list = out.get(field);
    if (list) list.push(value);
    else out.set(field, [value]);
  }
  return out;
}

/** Typed accessors over `readFields` output. */
export class ProtoMessage {
  readonly fields: Map<number, ProtoValue[]>;

  constructor(buf: Buffer) {
    this.fields = readFields(buf);
  }

  has(field: number): boolean {
    return this.fields.has(field);
  }

  string(field: number): string | undefined {
    const v = this.fields.get(field)?.at(-1);
    return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
  }

  strings(field: number): string[] {
    return (this.fields.get(field) ?? []).filter(Buffer.isBuffer).map((b) => b.toString('utf8'));
  }

  bool(field: number): boolean | undefined {
    const v = this.fields.get(field)?.at(-1);
    return typeof v === 'bigint' ? v !== 0n : undefined;
  }

  int(field: number): number | undefined {
    const v = this.fields.get(field)?.at(-1);
    return typeof v === 'bigint' ? Number(BigInt.asIntN(64, v)) : undefined;
  }

  double(field: number): number | undefined {
    const v = this.fields.get(field)?.at(-1);
    return Buffer.isBuffer(v) && v.length === 8 ? v.readDoubleLE(0) : undefined;
  }

  message(field: number): ProtoMessage | undefined {
    const v = this.fields.get(field)?.at(-1);
    return Buffer.isBuffer(v) ? new ProtoMessage(v) : undefined;
  }

  messages(field: number): ProtoMessage[] {
    return (this.fields.get(field) ?? []).filter(Buffer.isBuffer).map((b) => new ProtoMessage(b));
  }
}
