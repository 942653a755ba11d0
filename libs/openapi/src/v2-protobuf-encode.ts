/**
 * Encodes a Swagger 2.0 document (JSON form) as the gnostic `openapi.v2.Document` protobuf message,
 * which client-go requests from `/openapi/v2` with
 * `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`.
 * Field numbers: libs/openapi/proto/openapiv2.proto. Vendor extensions (`x-...`) become
 * `NamedAny{name, Any{yaml}}` with the value written as JSON text (valid YAML).
 */
import { ProtoWriter } from './protobuf-wire';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);

export function encodeV2Protobuf(doc: object): Buffer {
  const d = doc as Json;
  const w = new ProtoWriter();
  w.string(1, str(d.swagger));
  if (isObj(d.info)) w.message(2, (m) => info(m, d.info as Json));
  w.string(3, str(d.host));
  w.string(4, str(d.basePath));
  w.strings(5, strs(d.schemes));
  w.strings(6, strs(d.consumes));
  w.strings(7, strs(d.produces));
  if (isObj(d.paths)) w.message(8, (m) => paths(m, d.paths as Json));
  if (isObj(d.definitions)) {
    w.message(9, (m) => {
      for (const [name, s] of entries(d.definitions)) m.message(1, (n) => n.string(1, name).message(2, (v) => schema(v, s)));
    });
  }
  if (isObj(d.parameters)) {
    w.message(10, (m) => {
      for (const [name, p] of entries(d.parameters)) m.message(1, (n) => n.string(1, name).message(2, (v) => parameter(v, p)));
    });
  }
  if (isObj(d.responses)) {
    w.message(11, (m) => {
      for (const [name, r] of entries(d.responses)) m.message(1, (n) => n.string(1, name).message(2, (v) => response(v, r)));
    });
  }
  if (Array.isArray(d.security)) for (const req of d.security) w.message(12, (m) => securityRequirement(m, req));
  if (isObj(d.securityDefinitions)) {
    w.message(13, (m) => {
      for (const [name, sd] of entries(d.securityDefinitions)) {
        m.message(1, (n) => n.string(1, name).message(2, (v) => securityDefinition(v, sd)));
      }
    });
  }
  vendorExtensions(w, 16, d);
  return w.finish();
}

function info(w: ProtoWriter, i: Json): void {
  w.string(1, str(i.title)).string(2, str(i.version)).string(3, str(i.description)).string(4, str(i.termsOfService));
  vendorExtensions(w, 7, i);
}

function any(w: ProtoWriter, value: unknown): void {
  w.string(2, `${JSON.stringify(value)}\n`);
}

function vendorExtensions(w: ProtoWriter, field: number, o: Json): void {
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('x-') || v === undefined) continue;
    w.message(field, (n) => n.string(1, k).message(2, (a) => any(a, v)));
  }
}

function paths(w: ProtoWriter, p: Json): void {
  vendorExtensions(w, 1, p);
  for (const [path, item] of entries(p)) {
    if (path.startsWith('x-') || !isObj(item)) continue;
    w.message(2, (n) => n.string(1, path).message(2, (v) => pathItem(v, item)));
  }
}

const METHOD_FIELDS: [string, number][] = [
  ['get', 2],
  ['put', 3],
  ['post', 4],
  ['delete', 5],
  ['options', 6],
  ['head', 7],
  ['patch', 8],
];

function pathItem(w: ProtoWriter, item: Json): void {
  w.string(1, str(item.$ref));
  for (const [method, field] of METHOD_FIELDS) {
    const op = item[method];
    if (isObj(op)) w.message(field, (m) => operation(m, op));
  }
  if (Array.isArray(item.parameters)) for (const p of item.parameters) w.message(9, (m) => parametersItem(m, p));
  vendorExtensions(w, 10, item);
}

function operation(w: ProtoWriter, op: Json): void {
  w.strings(1, strs(op.tags));
  w.string(2, str(op.summary));
  w.string(3, str(op.description));
  w.string(5, str(op.operationId));
  w.strings(6, strs(op.produces));
  w.strings(7, strs(op.consumes));
  if (Array.isArray(op.parameters)) for (const p of op.parameters) w.message(8, (m) => parametersItem(m, p));
  if (isObj(op.responses)) {
    const responses = op.responses;
    w.message(9, (m) => {
      for (const [code, r] of entries(responses)) {
        if (code.startsWith('x-')) continue;
        m.message(1, (n) => n.string(1, code).message(2, (v) => responseValue(v, r)));
      }
      vendorExtensions(m, 2, responses);
    });
  }
  w.strings(10, strs(op.schemes));
  w.bool(11, bool(op.deprecated));
  if (Array.isArray(op.security)) for (const req of op.security) w.message(12, (m) => securityRequirement(m, req));
  vendorExtensions(w, 13, op);
}

function parametersItem(w: ProtoWriter, p: unknown): void {
  if (isObj(p) && typeof p.$ref === 'string') {
    const ref = p.$ref;
    w.message(2, (m) => m.string(1, ref).string(2, str(p.description)));
  } else {
    w.message(1, (m) => parameter(m, p));
  }
}

function parameter(w: ProtoWriter, raw: unknown): void {
  const p = isObj(raw) ? raw : {};
  if (p.in === 'body') {
    w.message(1, (b) => {
      b.string(1, str(p.description)).string(2, str(p.name)).string(3, str(p.in)).bool(4, bool(p.required));
      if (isObj(p.schema)) b.message(5, (s) => schema(s, p.schema));
      vendorExtensions(b, 6, p);
    });
    return;
  }
  // NonBodyParameter oneof: header=1, formData=2, query=3, path=4.
  const which = p.in === 'header' ? 1 : p.in === 'formData' ? 2 : p.in === 'path' ? 4 : 3;
  // query and formData sub-schemas have allow_empty_value at 5, shifting the following fields by one
  const shift = which === 2 || which === 3 ? 1 : 0;
  w.message(2, (nb) =>
    nb.message(which, (s) => {
      s.bool(1, bool(p.required)).string(2, str(p.in)).string(3, str(p.description)).string(4, str(p.name));
      if (shift) s.bool(5, bool(p.allowEmptyValue));
      s.string(5 + shift, str(p.type)).string(6 + shift, str(p.format));
      if (isObj(p.items)) s.message(7 + shift, (i) => primitivesItems(i, p.items as Json));
      s.string(8 + shift, str(p.collectionFormat));
      if (p.default !== undefined) s.message(9 + shift, (a) => any(a, p.default));
      s.double(10 + shift, num(p.maximum)).bool(11 + shift, bool(p.exclusiveMaximum));
      s.double(12 + shift, num(p.minimum)).bool(13 + shift, bool(p.exclusiveMinimum));
      s.int64(14 + shift, num(p.maxLength)).int64(15 + shift, num(p.minLength)).string(16 + shift, str(p.pattern));
      s.int64(17 + shift, num(p.maxItems)).int64(18 + shift, num(p.minItems)).bool(19 + shift, bool(p.uniqueItems));
      if (Array.isArray(p.enum)) for (const e of p.enum) s.message(20 + shift, (a) => any(a, e));
      s.double(21 + shift, num(p.multipleOf));
      vendorExtensions(s, 22 + shift, p);
    }),
  );
}

function primitivesItems(w: ProtoWriter, i: Json): void {
  w.string(1, str(i.type)).string(2, str(i.format));
  if (isObj(i.items)) w.message(3, (m) => primitivesItems(m, i.items as Json));
  w.string(4, str(i.collectionFormat));
  vendorExtensions(w, 18, i);
}

function responseValue(w: ProtoWriter, r: unknown): void {
  if (isObj(r) && typeof r.$ref === 'string') {
    const ref = r.$ref;
    w.message(2, (m) => m.string(1, ref));
  } else {
    w.message(1, (m) => response(m, r));
  }
}

function response(w: ProtoWriter, raw: unknown): void {
  const r = isObj(raw) ? raw : {};
  w.string(1, str(r.description));
  if (isObj(r.schema)) w.message(2, (si) => si.message(1, (s) => schema(s, r.schema)));
  vendorExtensions(w, 5, r);
}

function securityRequirement(w: ProtoWriter, req: unknown): void {
  for (const [name, scopes] of entries(req)) {
    w.message(1, (n) => n.string(1, name).message(2, (a) => a.strings(1, strs(scopes))));
  }
}

function securityDefinition(w: ProtoWriter, raw: unknown): void {
  const sd = isObj(raw) ? raw : {};
  if (sd.type === 'basic') {
    w.message(1, (m) => {
      m.string(1, str(sd.type)).string(2, str(sd.description));
      vendorExtensions(m, 3, sd);
    });
    return;
  }
  w.message(2, (m) => {
    m.string(1, str(sd.type)).string(2, str(sd.name)).string(3, str(sd.in)).string(4, str(sd.description));
    vendorExtensions(m, 5, sd);
  });
}

function schema(w: ProtoWriter, raw: unknown): void {
  const s = isObj(raw) ? raw : {};
  w.string(1, str(s.$ref)).string(2, str(s.format)).string(3, str(s.title)).string(4, str(s.description));
  if (s.default !== undefined) w.message(5, (a) => any(a, s.default));
  w.double(6, num(s.multipleOf)).double(7, num(s.maximum)).bool(8, bool(s.exclusiveMaximum));
  w.double(9, num(s.minimum)).bool(10, bool(s.exclusiveMinimum));
  w.int64(11, num(s.maxLength)).int64(12, num(s.minLength)).string(13, str(s.pattern));
  w.int64(14, num(s.maxItems)).int64(15, num(s.minItems)).bool(16, bool(s.uniqueItems));
  w.int64(17, num(s.maxProperties)).int64(18, num(s.minProperties));
  w.strings(19, strs(s.required));
  if (Array.isArray(s.enum)) for (const e of s.enum) w.message(20, (a) => any(a, e));
  if (typeof s.additionalProperties === 'boolean') {
    const b = s.additionalProperties;
    w.message(21, (m) => m.bool(2, b, true));
  } else if (isObj(s.additionalProperties)) {
    const ap = s.additionalProperties;
    w.message(21, (m) => m.message(1, (v) => schema(v, ap)));
  }
  if (typeof s.type === 'string' || Array.isArray(s.type)) {
    const types = typeof s.type === 'string' ? [s.type] : strs(s.type);
    w.message(22, (m) => m.strings(1, types));
  }
  if (s.items !== undefined) {
    const items = Array.isArray(s.items) ? s.items : [s.items];
    w.message(23, (m) => {
      for (const i of items) m.message(1, (v) => schema(v, i));
    });
  }
  if (Array.isArray(s.allOf)) for (const a of s.allOf) w.message(24, (v) => schema(v, a));
  if (isObj(s.properties)) {
    const props = s.properties;
    w.message(25, (m) => {
      for (const [name, p] of entries(props)) m.message(1, (n) => n.string(1, name).message(2, (v) => schema(v, p)));
    });
  }
  w.string(26, str(s.discriminator)).bool(27, bool(s.readOnly));
  if (s.example !== undefined) w.message(30, (a) => any(a, s.example));
  vendorExtensions(w, 31, s);
}
