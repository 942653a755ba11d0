/**
 * Encodes the JSON form of an object as Kubernetes protobuf, driven by the same schemas the decoder
 * uses. The output follows what Go's generated marshallers write, so it is byte-for-byte what a Go
 * client or server would send for the same object:
 * - fields in ascending field-number order;
 * - non-pointer scalars and messages always (zero values included: an absent string is written as
 *   an empty one, an absent struct as an empty message);
 * - pointer (`?`) fields only when the JSON value is present and not null;
 * - repeated scalars unpacked (proto2), one element per tag;
 * - map entries sorted by key, each { key = 1, value = 2 };
 * - embedded (`...`) messages are built from the enclosing JSON object.
 * Special types: Time/MicroTime (RFC 3339 → { seconds, nanos }, the zero time as an empty message),
 * Duration (Go duration string → { duration: int64 ns }), Quantity ({ string }), IntOrString
 * (number → { type 0, intVal }, string → { type 1, strVal }), RawExtension/FieldsV1 (JSON → raw bytes),
 * bytes (base64 in JSON).
 */
import { Writer } from 'protobufjs/minimal';
import type { CompiledSchemas } from './schema';
import { parseDuration, parseTime, TimeFormatError } from './time-format';

const WIRE_VARINT = 0;
const WIRE_64 = 1;
const WIRE_LEN = 2;

export class ProtobufEncodeError extends Error {}

type JsonObject = Record<string, unknown>;

export function encodeMessage(schemas: CompiledSchemas, message: string, obj: JsonObject): Uint8Array {
  const w = Writer.create();
  writeFields(schemas, message, obj, w, message);
  return w.finish();
}

function tag(num: number, wire: number): number {
  return ((num << 3) | wire) >>> 0;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function writeFields(schemas: CompiledSchemas, message: string, obj: JsonObject, w: Writer, path: string): void {
  const fields = [...schemas.fields(message).entries()].sort((a, b) => a[0] - b[0]);
  for (const [num, f] of fields) {
    const at = `${path}.${f.inline ? f.type : f.name}`;
    if (f.inline) {
      w.uint32(tag(num, WIRE_LEN)).fork();
      writeFields(schemas, f.type, obj, w, at);
      w.ldelim();
      continue;
    }
    const value = obj[f.name];
    if (f.map) {
      if (value === undefined || value === null) continue;
      if (!isObject(value)) throw new ProtobufEncodeError(`${at}: expected an object`);
      for (const key of Object.keys(value).sort()) {
        w.uint32(tag(num, WIRE_LEN)).fork();
        writeValue(schemas, 1, f.map.key, key, w, at);
        writeValue(schemas, 2, f.map.value, value[key], w, `${at}[${key}]`);
        w.ldelim();
      }
      continue;
    }
    if (f.repeated) {
      if (value === undefined || value === null) continue;
      if (!Array.isArray(value)) throw new ProtobufEncodeError(`${at}: expected an array`);
      value.forEach((v, i) => writeValue(schemas, num, f.type, v, w, `${at}[${i}]`));
      continue;
    }
    if (value === undefined || value === null) {
      // a nil pointer, and a nil []byte, are not written at all
      if (f.pointer || f.type === 'bytes') continue;
    }
    writeValue(schemas, num, f.type, value, w, at);
  }
}

function toInt(v: unknown, at: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new ProtobufEncodeError(`${at}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

function toStr(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ProtobufEncodeError(`${at}: expected a string, got ${JSON.stringify(v)}`);
}

function writeValue(schemas: CompiledSchemas, num: number, type: string, v: unknown, w: Writer, at: string): void {
  switch (type) {
    case 'string':
      w.uint32(tag(num, WIRE_LEN)).string(toStr(v, at));
      return;
    case 'bytes':
      w.uint32(tag(num, WIRE_LEN)).bytes(Buffer.from(toStr(v, at), 'base64'));
      return;
    case 'int32':
      w.uint32(tag(num, WIRE_VARINT)).int32(toInt(v, at));
      return;
    case 'int64':
      w.uint32(tag(num, WIRE_VARINT)).int64(toInt(v, at));
      return;
    case 'bool':
      if (v !== undefined && v !== null && typeof v !== 'boolean') {
        throw new ProtobufEncodeError(`${at}: expected a boolean, got ${JSON.stringify(v)}`);
      }
      w.uint32(tag(num, WIRE_VARINT)).bool(v === true);
      return;
    case 'double': {
      const n = v === undefined || v === null ? 0 : Number(v);
      if (Number.isNaN(n)) throw new ProtobufEncodeError(`${at}: expected a number, got ${JSON.stringify(v)}`);
      w.uint32(tag(num, WIRE_64)).double(n);
      return;
    }
    default:
      break;
  }
  w.uint32(tag(num, WIRE_LEN)).fork();
  if (!writeSpecial(type, v, w, at)) {
    if (v !== undefined && v !== null && !isObject(v)) {
      throw new ProtobufEncodeError(`${at}: expected an object, got ${JSON.stringify(v)}`);
    }
    writeFields(schemas, type, (v ?? {}) as JsonObject, w, at);
  }
  w.ldelim();
}

/** The body of an apimachinery type whose JSON form is not its message shape; false for other types. */
function writeSpecial(type: string, v: unknown, w: Writer, at: string): boolean {
  try {
    switch (type) {
      case 'Time':
      case 'MicroTime': {
        // the zero time marshals to no bytes at all
        if (v === undefined || v === null || v === '') return true;
        const t = parseTime(toStr(v, at));
        w.uint32(tag(1, WIRE_VARINT)).int64(t.seconds);
        w.uint32(tag(2, WIRE_VARINT)).int32(t.nanos);
        return true;
      }
      case 'Duration':
        w.uint32(tag(1, WIRE_VARINT)).int64(v === undefined || v === null ? 0 : parseDuration(toStr(v, at)));
        return true;
      case 'Quantity':
        w.uint32(tag(1, WIRE_LEN)).string(v === undefined || v === null ? '0' : toStr(v, at));
        return true;
      case 'IntOrString': {
        const isStr = typeof v === 'string';
        w.uint32(tag(1, WIRE_VARINT)).int64(isStr ? 1 : 0);
        w.uint32(tag(2, WIRE_VARINT)).int32(isStr ? 0 : toInt(v, at));
        w.uint32(tag(3, WIRE_LEN)).string(isStr ? v : '');
        return true;
      }
      case 'RawExtension':
      case 'FieldsV1':
        if (v !== undefined && v !== null) w.uint32(tag(1, WIRE_LEN)).bytes(Buffer.from(JSON.stringify(v), 'utf8'));
        return true;
      default:
        return false;
    }
  } catch (e) {
    if (e instanceof TimeFormatError) throw new ProtobufEncodeError(`${at}: ${e.message}`);
    throw e;
  }
}
