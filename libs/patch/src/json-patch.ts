/**
 * RFC 6902 JSON Patch (application/json-patch+json) with the exact semantics kube-apiserver gets
 * from gopkg.in/evanphx/json-patch.v4, including its departures from the RFC that clients rely on:
 * negative array indices count from the end, "replace" of a missing object member adds it,
 * "copy" from a missing member copies null, "test" of a missing member against null succeeds.
 *
 * Errors: a body that does not decode is 400 BadRequest with Go's decoder message; more than
 * 10000 operations is 413; an operation that fails is 422 with upstream's generic message.
 */
import { decodeGoJson, goJsonKind, GoJsonSyntaxError, unmarshalTypeMessage } from './go-json';
import { cloneJson, hasOwn, isJsonObject, JsonObject, jsonEqual, setOwn } from './json-values';
import { patchErrors } from './patch-errors';

/** maxJSONPatchOperations in k8s.io/apiserver/pkg/endpoints/handlers/patch.go */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

export interface JsonPatchOptions {
  /** fieldValidation=Strict or Warn: the body is first decoded strictly, as upstream does */
  strictDecoding?: boolean;
}

type Operation = JsonObject | null;

/** A failure while applying one operation; becomes the 422 response. */
class OpError extends Error {}

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';
const TEST_FAILED = 'test failed';

/**
 * Apply a JSON patch to `doc` and return the patched copy (`doc` is never modified).
 * `patchBody` is the raw body (Buffer or string, decoded as JSON) or an already-decoded value.
 */
export function applyJsonPatch(doc: unknown, patchBody: unknown, options: JsonPatchOptions = {}): unknown {
  const ops = decodeOperations(patchBody, options);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) throw patchErrors.tooManyOperations(MAX_JSON_PATCH_OPERATIONS, ops.length);
  const holder = { root: cloneJson(doc) };
  try {
    for (const op of ops) applyOperation(holder, op);
  } catch (e) {
    if (e instanceof OpError) throw patchErrors.unprocessable(e.message);
    throw e;
  }
  return holder.root;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

function decodeOperations(patchBody: unknown, options: JsonPatchOptions): Operation[] {
  let value: unknown = patchBody;
  if (typeof patchBody === 'string' || Buffer.isBuffer(patchBody)) {
    try {
      value = decodeGoJson(patchBody);
    } catch (e) {
      if (e instanceof GoJsonSyntaxError) {
        throw patchErrors.badRequest(options.strictDecoding ? `error decoding patch: ${e.message}` : e.message);
      }
      throw e;
    }
  }
  if (options.strictDecoding) {
    const strictErr = strictTypeError(value);
    if (strictErr) throw patchErrors.badRequest(`error decoding patch: ${strictErr}`);
  }
  // jsonpatch.DecodePatch: json.Unmarshal into Patch ([]Operation, Operation = map[string]*RawMessage)
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw patchErrors.badRequest(unmarshalTypeMessage(value, 'jsonpatch.Patch'));
  for (const op of value) {
    if (op !== null && !isJsonObject(op)) throw patchErrors.badRequest(unmarshalTypeMessage(op, 'jsonpatch.Operation'));
  }
  return value as Operation[];
}

/** The type error kjson.UnmarshalStrict reports when decoding into []handlers.jsonPatchOp. */
function strictTypeError(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value)) return unmarshalTypeMessage(value, '[]handlers.jsonPatchOp');
  for (const op of value) {
    if (op === null) continue;
    if (!isJsonObject(op)) return unmarshalTypeMessage(op, 'handlers.jsonPatchOp');
    for (const [k, v] of Object.entries(op)) {
      if ((k === 'op' || k === 'path' || k === 'from') && v !== null && typeof v !== 'string') {
        return `json: cannot unmarshal ${goJsonKind(v)} into Go struct field jsonPatchOp.${k} of type string`;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Operation fields
// ---------------------------------------------------------------------------------------------

function opKind(op: Operation): string {
  const v = op && hasOwn(op, 'op') ? op.op : undefined;
  return typeof v === 'string' ? v : 'unknown';
}

function opString(op: Operation, field: 'path' | 'from', missing: string): string {
  const v = op && hasOwn(op, field) ? op[field] : null;
  if (v === null || v === undefined) throw new OpError(missing);
  if (typeof v !== 'string') throw new OpError(unmarshalTypeMessage(v, 'string'));
  return v;
}

const opPath = (op: Operation): string => opString(op, 'path', `operation missing path field: ${MISSING}`);
const opFrom = (op: Operation): string => opString(op, 'from', `operation, missing from field: ${MISSING}`);

/** The operation's value: undefined when the member is absent, null when it is JSON null. */
function opValue(op: Operation): unknown {
  return op && hasOwn(op, 'value') ? op.value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Containers: JSON objects and arrays addressed by one decoded pointer token
// ---------------------------------------------------------------------------------------------

type Container = JsonObject | unknown[];

/** strconv.Atoi with Go's error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new OpError(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const big = BigInt(s);
  if (big > 9223372036854775807n || big < -9223372036854775808n) {
    throw new OpError(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  }
  return Number(big);
}

const invalidIndex = (idx: number): OpError => new OpError(`Unable to access invalid index: ${idx}: ${INVALID_INDEX}`);

/** Normalize a negative index against `len`; throws as upstream when out of range. */
function resolveNegative(idx: number, len: number): number {
  if (idx < 0) {
    if (idx < -len) throw invalidIndex(idx);
    return idx + len;
  }
  return idx;
}

/** Returns the member (null when absent or JSON null, as Go's nil node). */
function get(con: Container, key: string): unknown {
  if (!Array.isArray(con)) return hasOwn(con, key) ? con[key] : null;
  const idx = resolveNegative(atoi(key), con.length);
  if (idx >= con.length) throw invalidIndex(idx);
  return con[idx];
}

function add(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    setOwn(con, key, value);
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    if (e instanceof OpError) throw new OpError(`value was not a proper array index: '${key}': ${e.message}`);
    throw e;
  }
  const size = con.length + 1;
  if (idx >= size) throw invalidIndex(idx);
  idx = resolveNegative(idx, size);
  con.splice(idx, 0, value);
}

/** Only used by "replace", after get() has checked the index exists. */
function set(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    setOwn(con, key, value);
    return;
  }
  con[resolveNegative(atoi(key), con.length)] = value;
}

function remove(con: Container, key: string): void {
  if (!Array.isArray(con)) {
    if (!hasOwn(con, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete con[key];
    return;
  }
  let idx = atoi(key);
  if (idx >= con.length) throw invalidIndex(idx);
  idx = resolveNegative(idx, con.length);
  con.splice(idx, 1);
}

const decodeToken = (t: string): string => t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));

/** findObject: the container holding the last token of `path`, or undefined. */
function findObject(holder: { root: unknown }, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let doc = holder.root;
  if (!Array.isArray(doc) && !isJsonObject(doc)) return undefined;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(doc as Container, decodeToken(part));
    } catch (e) {
      if (e instanceof OpError) return undefined;
      throw e;
    }
    if (!Array.isArray(next) && !isJsonObject(next)) return undefined;
    doc = next;
  }
  return { con: doc as Container, key: decodeToken(split[split.length - 1]) };
}

/** Run `fn`, rewrapping an operation failure as `wrap(message)`. */
function wrapped<T>(fn: () => T, wrap: (err: string) => string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OpError) throw new OpError(wrap(e.message));
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------------------------

function applyOperation(holder: { root: unknown }, op: Operation): void {
  const kind = opKind(op);
  switch (kind) {
    case 'add':
      return opAdd(holder, op);
    case 'remove':
      return opRemove(holder, op);
    case 'replace':
      return opReplace(holder, op);
    case 'move':
      return opMove(holder, op);
    case 'test':
      return opTest(holder, op);
    case 'copy':
      return opCopy(holder, op);
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

function valueOrNull(op: Operation): unknown {
  const v = opValue(op);
  return v === undefined ? null : cloneJson(v);
}

function opAdd(holder: { root: unknown }, op: Operation): void {
  const path = wrapped(() => opPath(op), () => `add operation failed to decode path: ${MISSING}`);
  const found = findObject(holder, path);
  if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrapped(() => add(found.con, found.key, valueOrNull(op)), (err) => `error in add for path: '${path}': ${err}`);
}

function opRemove(holder: { root: unknown }, op: Operation): void {
  const path = wrapped(() => opPath(op), () => `remove operation failed to decode path: ${MISSING}`);
  const found = findObject(holder, path);
  if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
  wrapped(() => remove(found.con, found.key), (err) => `error in remove for path: '${path}': ${err}`);
}

function opReplace(holder: { root: unknown }, op: Operation): void {
  const path = wrapped(() => opPath(op), (err) => `replace operation failed to decode path: ${err}`);
  if (path === '') {
    const v = opValue(op);
    if (!Array.isArray(v) && !isJsonObject(v)) {
      throw new OpError('replace operation value must be object or array: %!w(<nil>)');
    }
    holder.root = cloneJson(v);
    return;
  }
  const found = findObject(holder, path);
  if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
  wrapped(
    () => get(found.con, found.key),
    () => `replace operation does not apply: doc is missing key: ${path}: ${MISSING}`,
  );
  wrapped(() => set(found.con, found.key, valueOrNull(op)), (err) => `error in remove for path: '${path}': ${err}`);
}

function opMove(holder: { root: unknown }, op: Operation): void {
  const from = wrapped(() => opFrom(op), (err) => `move operation failed to decode from: ${err}`);
  const src = findObject(holder, from);
  if (!src) throw new OpError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  const val = wrapped(() => get(src.con, src.key), (err) => `error in move for path: '${src.key}': ${err}`);
  wrapped(() => remove(src.con, src.key), (err) => `error in move for path: '${src.key}': ${err}`);
  const path = wrapped(() => opPath(op), (err) => `move operation failed to decode path: ${err}`);
  const dst = findObject(holder, path);
  if (!dst) throw new OpError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  wrapped(() => add(dst.con, dst.key, val), (err) => `error in move for path: '${path}': ${err}`);
}

function opTest(holder: { root: unknown }, op: Operation): void {
  const path = wrapped(() => opPath(op), (err) => `test operation failed to decode path: ${err}`);
  const expected = opValue(op);
  const failed = (): OpError => new OpError(`testing value ${path} failed: ${TEST_FAILED}`);
  if (path === '') {
    if (expected === undefined || !jsonEqual(holder.root, expected)) throw failed();
    return;
  }
  const found = findObject(holder, path);
  if (!found) throw new OpError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
  const actual = wrapped(() => get(found.con, found.key), (err) => `error in test for path: '${path}': ${err}`);
  if (actual === null || actual === undefined) {
    if (expected === undefined || expected === null) return;
    throw failed();
  }
  if (expected === undefined || !jsonEqual(actual, expected)) throw failed();
}

function opCopy(holder: { root: unknown }, op: Operation): void {
  const from = wrapped(() => opFrom(op), (err) => `copy operation failed to decode from: ${err}`);
  const src = findObject(holder, from);
  if (!src) throw new OpError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
  const val = wrapped(() => get(src.con, src.key), (err) => `error in copy for from: '${from}': ${err}`);
  const path = wrapped(() => opPath(op), () => `copy operation failed to decode path: ${MISSING}`);
  const dst = findObject(holder, path);
  if (!dst) throw new OpError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
  wrapped(() => add(dst.con, dst.key, cloneJson(val ?? null)), (err) => `error while adding value during copy: ${err}`);
}
