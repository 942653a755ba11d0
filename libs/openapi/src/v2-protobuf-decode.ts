/**
 * Decodes a gnostic `openapi.v2.Document` protobuf back into Swagger 2.0 JSON form (the subset that
 * `encodeV2Protobuf` writes). Used to verify the encoder and to inspect protobuf documents.
 */
import { parse as parseYaml } from 'yaml';
import { ProtoMessage } from './protobuf-wire';

type Json = Record<string, unknown>;

function setIf(o: Json, key: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  o[key] = value;
}

function anyValue(m: ProtoMessage | undefined): unknown {
  const text = m?.string(2);
  return text === undefined ? undefined : parseYaml(text);
}

function extensions(m: ProtoMessage, field: number, into: Json): void {
  for (const na of m.messages(field)) {
    const name = na.string(1);
    if (name) into[name] = anyValue(na.message(2));
  }
}

export function decodeV2Protobuf(buf: Buffer): Json {
  const m = new ProtoMessage(buf);
  const doc: Json = {};
  setIf(doc, 'swagger', m.string(1));
  const info = m.message(2);
  if (info) {
    const i: Json = {};
    setIf(i, 'title', info.string(1));
    setIf(i, 'version', info.string(2));
    setIf(i, 'description', info.string(3));
    extensions(info, 7, i);
    doc.info = i;
  }
  setIf(doc, 'host', m.string(3));
  setIf(doc, 'basePath', m.string(4));
  setIf(doc, 'schemes', m.strings(5));
  setIf(doc, 'consumes', m.strings(6));
  setIf(doc, 'produces', m.strings(7));
  const paths = m.message(8);
  if (paths) {
    const p: Json = {};
    for (const np of paths.messages(2)) p[np.string(1) ?? ''] = decodePathItem(np.message(2));
    extensions(paths, 1, p);
    doc.paths = p;
  }
  const defs = m.message(9);
  if (defs) {
    const d: Json = {};
    for (const ns of defs.messages(1)) d[ns.string(1) ?? ''] = decodeSchema(ns.message(2));
    doc.definitions = d;
  }
  const security = m.messages(12).map(decodeSecurityRequirement);
  setIf(doc, 'security', security);
  const sds = m.message(13);
  if (sds) {
    const out: Json = {};
    for (const n of sds.messages(1)) {
      const item = n.message(2);
      const sd = item?.message(2) ?? item?.message(1);
      if (!sd) continue;
      const o: Json = {};
      if (item?.has(2)) {
        setIf(o, 'type', sd.string(1));
        setIf(o, 'name', sd.string(2));
        setIf(o, 'in', sd.string(3));
        setIf(o, 'description', sd.string(4));
      } else {
        setIf(o, 'type', sd.string(1));
        setIf(o, 'description', sd.string(2));
      }
      out[n.string(1) ?? ''] = o;
    }
    doc.securityDefinitions = out;
  }
  extensions(m, 16, doc);
  return doc;
}

function decodeSecurityRequirement(m: ProtoMessage): Json {
  const out: Json = {};
  for (const n of m.messages(1)) out[n.string(1) ?? ''] = n.message(2)?.strings(1) ?? [];
  return out;
}

const METHODS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function decodePathItem(m: ProtoMessage | undefined): Json {
  const item: Json = {};
  if (!m) return item;
  setIf(item, '$ref', m.string(1));
  for (const [method, field] of METHODS) {
    const op = m.message(field);
    if (op) item[method] = decodeOperation(op);
  }
  setIf(item, 'parameters', m.messages(9).map(decodeParametersItem));
  extensions(m, 10, item);
  return item;
}

function decodeOperation(m: ProtoMessage): Json {
  const op: Json = {};
  setIf(op, 'tags', m.strings(1));
  setIf(op, 'summary', m.string(2));
  setIf(op, 'description', m.string(3));
  setIf(op, 'operationId', m.string(5));
  setIf(op, 'produces', m.strings(6));
  setIf(op, 'consumes', m.strings(7));
  setIf(op, 'parameters', m.messages(8).map(decodeParametersItem));
  const responses = m.message(9);
  if (responses) {
    const r: Json = {};
    for (const n of responses.messages(1)) {
      const value = n.message(2);
      const resp = value?.message(1);
      const ref = value?.message(2);
      r[n.string(1) ?? ''] = resp ? decodeResponse(resp) : { $ref: ref?.string(1) };
    }
    op.responses = r;
  }
  setIf(op, 'schemes', m.strings(10));
  setIf(op, 'deprecated', m.bool(11));
  extensions(m, 13, op);
  return op;
}

function decodeResponse(m: ProtoMessage): Json {
  const r: Json = {};
  setIf(r, 'description', m.string(1));
  const s = m.message(2)?.message(1);
  if (s) r.schema = decodeSchema(s);
  extensions(m, 5, r);
  return r;
}

function decodeParametersItem(m: ProtoMessage): Json {
  const ref = m.message(2);
  if (ref) {
    const o: Json = { $ref: ref.string(1) };
    setIf(o, 'description', ref.string(2));
    return o;
  }
  const p = m.message(1);
  const body = p?.message(1);
  const out: Json = {};
  if (body) {
    setIf(out, 'description', body.string(1));
    setIf(out, 'name', body.string(2));
    setIf(out, 'in', body.string(3));
    setIf(out, 'required', body.bool(4));
    const s = body.message(5);
    if (s) out.schema = decodeSchema(s);
    extensions(body, 6, out);
    return out;
  }
  const nb = p?.message(2);
  if (!nb) return out;
  const which = [1, 2, 3, 4].find((f) => nb.has(f)) ?? 3;
  const s = nb.message(which) as ProtoMessage;
  const shift = which === 2 || which === 3 ? 1 : 0;
  setIf(out, 'required', s.bool(1));
  setIf(out, 'in', s.string(2));
  setIf(out, 'description', s.string(3));
  setIf(out, 'name', s.string(4));
  if (shift) setIf(out, 'allowEmptyValue', s.bool(5));
  setIf(out, 'type', s.string(5 + shift));
  setIf(out, 'format', s.string(6 + shift));
  setIf(out, 'collectionFormat', s.string(8 + shift));
  const def = s.message(9 + shift);
  if (def) out.default = anyValue(def);
  setIf(out, 'pattern', s.string(16 + shift));
  setIf(out, 'uniqueItems', s.bool(19 + shift));
  const en = s.messages(20 + shift).map((a) => anyValue(a));
  setIf(out, 'enum', en);
  extensions(s, 22 + shift, out);
  return out;
}

export function decodeSchema(m: ProtoMessage | undefined): Json {
  const s: Json = {};
  if (!m) return s;
  setIf(s, '$ref', m.string(1));
  setIf(s, 'format', m.string(2));
  setIf(s, 'title', m.string(3));
  setIf(s, 'description', m.string(4));
  const def = m.message(5);
  if (def) s.default = anyValue(def);
  setIf(s, 'maximum', m.double(7));
  setIf(s, 'minimum', m.double(9));
  setIf(s, 'maxLength', m.int(11));
  setIf(s, 'minLength', m.int(12));
  setIf(s, 'pattern', m.string(13));
  setIf(s, 'maxItems', m.int(14));
  setIf(s, 'minItems', m.int(15));
  setIf(s, 'uniqueItems', m.bool(16));
  setIf(s, 'required', m.strings(19));
  setIf(s, 'enum', m.messages(20).map((a) => anyValue(a)));
  const ap = m.message(21);
  if (ap) s.additionalProperties = ap.has(1) ? decodeSchema(ap.message(1)) : ap.bool(2);
  const type = m.message(22)?.strings(1);
  if (type && type.length > 0) s.type = type.length === 1 ? type[0] : type;
  const items = m.message(23)?.messages(1);
  if (items && items.length > 0) s.items = items.length === 1 ? decodeSchema(items[0]) : items.map(decodeSchema);
  setIf(s, 'allOf', m.messages(24).map(decodeSchema));
  const props = m.message(25);
  if (props) {
    const p: Json = {};
    for (const n of props.messages(1)) p[n.string(1) ?? ''] = decodeSchema(n.message(2));
    s.properties = p;
  }
  setIf(s, 'readOnly', m.bool(27));
  extensions(m, 31, s);
  return s;
}
