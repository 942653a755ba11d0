/**
 * Decodes Kubernetes protobuf (`application/vnd.kubernetes.protobuf`) into the JSON form of the
 * object, driven by the message schemas. Zero values of non-pointer fields are dropped, as Go's
 * JSON encoding with `omitempty` would; unknown field numbers are skipped. Embedded (`...`) messages
 * are merged into the enclosing object.
 */
import { Reader } from 'protobufjs/minimal';
import type { CompiledSchemas, FieldSpec } from './schema';
import { formatDuration, formatMicroTime, formatTime } from './time-format';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const WIRE_VARINT = 0;
const WIRE_64 = 1;
const WIRE_LEN = 2;
const WIRE_32 = 5;

export class ProtobufDecodeError extends Error {}

export function decodeMessage(schemas: CompiledSchemas, message: string, buf: Uint8Array): Record<string, Json> {
  return decodeInto(schemas, message, Reader.create(buf), buf.length);
}

function decodeInto(schemas: CompiledSchemas, message: string, r: Reader, length: number): Record<string, Json> {
  const end = r.pos + length;
  const fields = schemas.fields(message);
  const out: Record<string, Json> = {};
  const repeated = new Map<string, Json[]>();
  while (r.pos < end) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    const f = fields.get(num);
    if (!f) {
      r.skipType(wire);
      continue;
    }
    if (f.inline) {
      expectLen(wire, f.type);
      const sub = decodeInto(schemas, f.type, r, r.uint32());
      Object.assign(out, sub);
      continue;
    }
    if (f.map) {
      const [k, v] = readMapEntry(schemas, f, r);
      const obj = (out[f.name] ??= {}) as Record<string, Json>;
      obj[k] = v;
      continue;
    }
    if (f.repeated && wire === WIRE_LEN && isPackable(f.type)) {
      const list = repeated.get(f.name) ?? [];
      const stop = r.uint32() + r.pos;
      while (r.pos < stop) list.push(readScalar(f.type, r));
      repeated.set(f.name, list);
      continue;
    }
    const value = readValue(schemas, f.type, wire, r);
    if (f.repeated) {
      const list = repeated.get(f.name) ?? [];
      list.push(value);
      repeated.set(f.name, list);
    } else {
      out[f.name] = value;
    }
  }
  if (r.pos !== end) throw new ProtobufDecodeError(`truncated ${message}`);
  for (const [k, v] of repeated) out[k] = v;
  for (const f of fields.values()) {
    if (!(f.name in out) || f.pointer) continue;
    if (isZero(out[f.name])) delete out[f.name];
  }
  return out;
}

function isPackable(type: string): boolean {
  return type === 'int32' || type === 'int64' || type === 'bool' || type === 'double';
}

function isZero(v: Json): boolean {
  if (v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function readScalar(type: string, r: Reader): Json {
  switch (type) {
    case 'int32':
      return r.int32();
    case 'int64':
      return toNumber(r.int64());
    case 'bool':
      return r.bool();
    case 'double':
      return r.double();
    default:
      throw new ProtobufDecodeError(`cannot read ${type} as a scalar`);
  }
}

function toNumber(v: number | { toNumber(): number } | { low: number; high: number }): number {
  if (typeof v === 'number') return v;
  if ('toNumber' in v) return v.toNumber();
  return v.high * 2 ** 32 + (v.low >>> 0);
}

function expectLen(wire: number, what: string): void {
  if (wire !== WIRE_LEN) throw new ProtobufDecodeError(`${what}: wrong wire type ${wire}`);
}

function readValue(schemas: CompiledSchemas, type: string, wire: number, r: Reader): Json {
  switch (type) {
    case 'string':
      expectLen(wire, type);
      return r.string();
    case 'bytes':
      expectLen(wire, type);
      return Buffer.from(r.bytes()).toString('base64');
    case 'int32':
    case 'int64':
    case 'bool':
      if (wire !== WIRE_VARINT) throw new ProtobufDecodeError(`${type}: wrong wire type ${wire}`);
      return readScalar(type, r);
    case 'double':
      if (wire !== WIRE_64) throw new ProtobufDecodeError(`${type}: wrong wire type ${wire}`);
      return r.double();
    default:
      break;
  }
  if (wire === WIRE_32 || wire === WIRE_64 || wire === WIRE_VARINT) {
    throw new ProtobufDecodeError(`${type}: wrong wire type ${wire}`);
  }
  const len = r.uint32();
  const special = readSpecial(schemas, type, r, len);
  if (special !== undefined) return special;
  return decodeInto(schemas, type, r, len);
}

/** The apimachinery types whose JSON form is not their protobuf message shape. */
function readSpecial(schemas: CompiledSchemas, type: string, r: Reader, len: number): Json | undefined {
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      const t = decodeInto(schemas, 'meta.Timestamp', r, len);
      const seconds = Number(t.seconds ?? 0);
      const nanos = Number(t.nanos ?? 0);
      if (seconds === 0 && nanos === 0) return null;
      return type === 'Time' ? formatTime(seconds) : formatMicroTime(seconds, nanos);
    }
    case 'Duration': {
      const d = decodeInto(schemas, 'meta.Duration', r, len);
      return formatDuration(Number(d.duration ?? 0));
    }
    case 'Quantity': {
      const q = decodeInto(schemas, 'meta.Quantity', r, len);
      return typeof q.string === 'string' ? q.string : '0';
    }
    case 'IntOrString': {
      const v = decodeInto(schemas, 'meta.IntOrString', r, len);
      return Number(v.type ?? 0) === 1 ? String(v.strVal ?? '') : Number(v.intVal ?? 0);
    }
    case 'RawExtension':
    case 'FieldsV1': {
      const v = decodeInto(schemas, 'meta.RawExtension', r, len);
      if (typeof v.raw !== 'string' || v.raw === '') return null;
      const raw = Buffer.from(v.raw, 'base64');
      try {
        return JSON.parse(raw.toString('utf8')) as Json;
      } catch {
        throw new ProtobufDecodeError(`${type} does not hold JSON`);
      }
    }
    default:
      return undefined;
  }
}

function readMapEntry(schemas: CompiledSchemas, f: FieldSpec, r: Reader): [string, Json] {
  const len = r.uint32();
  const end = r.pos + len;
  let key: Json = '';
  let value: Json = f.map!.value === 'string' ? '' : null;
  while (r.pos < end) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wire = tag & 7;
    if (num === 1) key = readValue(schemas, f.map!.key, wire, r);
    else if (num === 2) value = readValue(schemas, f.map!.value, wire, r);
    else r.skipType(wire);
  }
  return [String(key), value];
}
