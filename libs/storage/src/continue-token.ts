/**
 * List continue tokens in upstream's format (k8s.io/apiserver/pkg/storage/continue.go):
 * base64url (no padding) of JSON {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<next key>"},
 * where start is the next key relative to the list's key prefix. Shared by every backend, so a
 * token from one API server replica is understood by another.
 */

const TOKEN_VERSION = 'meta.k8s.io/v1';

/** Thrown by decodeContinue; `message` is upstream's text (callers prefix "invalid continue token: "). */
export class ContinueTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContinueTokenError';
  }
}

const GENERIC = 'continue key is not valid';
const INVALID_START_RV = 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)';
const EMPTY_START_KEY = 'continue key is not valid: encoded start key empty (version meta.k8s.io/v1)';
const UNRECOGNIZED_VERSION = 'continue key is not valid: server does not recognize this encoded version';

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const GO_HTML_SENSITIVE = /[<>&\u2028\u2029]/;
const GO_HTML_ESCAPE = /[<>&\u2028\u2029]/g;

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.charCodeAt(0) === 47; /* '/' */
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined === '' ? '.' : joined;
}

/** JSON string as Go's encoding/json writes it (HTML-sensitive characters escaped). */
function goJsonString(s: string): string {
  const json = JSON.stringify(s);
  return GO_HTML_SENSITIVE.test(json) ? json.replace(GO_HTML_ESCAPE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

/**
 * Token for continuing a list at `nextKey` (a full key, usually lastKey + "\u0000") under
 * `keyPrefix` (the list's full key prefix). `rv` -1 means "continue at the latest revision".
 */
export function encodeContinue(nextKey: string, keyPrefix: string, rv: number): string {
  if (!nextKey.startsWith(keyPrefix) || nextKey.length === keyPrefix.length) {
    throw new Error(`unable to encode next field: the key and key prefix do not match ${keyPrefix} ${nextKey}`);
  }
  const start = goJsonString(nextKey.slice(keyPrefix.length));
  return Buffer.from(`{"v":"${TOKEN_VERSION}","rv":${rv},"start":${start}}`, 'utf8').toString('base64url');
}

function goTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

function fieldTypeError(field: string, v: unknown, goType: string): ContinueTokenError {
  const what = typeof v === 'number' ? `number ${v}` : goTypeName(v);
  return new ContinueTokenError(`${GENERIC}: json: cannot unmarshal ${what} into Go struct field continueToken.${field} of type ${goType}`);
}

function jsonSyntaxMessage(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return 'unexpected end of JSON input';
  return `invalid character '${trimmed[0]}' looking for beginning of value`;
}

/**
 * Decodes a token for a list under `keyPrefix`. Returns the full key to start at and the revision
 * (> 0: read at that revision; < 0: read at the latest). Throws ContinueTokenError.
 */
export function decodeContinue(token: string, keyPrefix: string): { startKey: string; rv: number } {
  if (!BASE64URL.test(token) || token.length % 4 === 1) {
    let at = token.search(/[^A-Za-z0-9_-]/);
    if (at < 0) at = token.length - 1;
    throw new ContinueTokenError(`${GENERIC}: illegal base64 data at input byte ${at}`);
  }
  const text = Buffer.from(token, 'base64url').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ContinueTokenError(`${GENERIC}: ${jsonSyntaxMessage(text)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    // JSON null leaves Go's struct at its zero value: an empty version.
    if (parsed === null) throw new ContinueTokenError(`${UNRECOGNIZED_VERSION} `);
    throw new ContinueTokenError(`${GENERIC}: json: cannot unmarshal ${goTypeName(parsed)} into Go value of type storage.continueToken`);
  }
  const obj = parsed as Record<string, unknown>;
  const v = obj.v ?? '';
  const rv = obj.rv ?? 0;
  const start = obj.start ?? '';
  if (typeof v !== 'string') throw fieldTypeError('v', v, 'string');
  if (typeof rv !== 'number' || !Number.isInteger(rv)) throw fieldTypeError('rv', rv, 'int64');
  if (typeof start !== 'string') throw fieldTypeError('start', start, 'string');
  if (v !== TOKEN_VERSION) throw new ContinueTokenError(`${UNRECOGNIZED_VERSION} ${v}`);
  if (rv === 0) throw new ContinueTokenError(INVALID_START_RV);
  if (start.length === 0) throw new ContinueTokenError(EMPTY_START_KEY);
  // path.Clean guards against a start key escaping the list's prefix ("../").
  const key = start.startsWith('/') ? start : `/${start}`;
  if (cleanPath(key) !== key) throw new ContinueTokenError(`${GENERIC}: ${start}`);
  return { startKey: keyPrefix + key.slice(1), rv };
}
