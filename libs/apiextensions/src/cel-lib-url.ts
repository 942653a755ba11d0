/**
 * The Kubernetes CEL URL library (k8s.io/apiserver/pkg/cel/library/urls.go): `url(string)`,
 * `isURL`, `getScheme()`, `getHost()`, `getHostname()`, `getPort()`, `getEscapedPath()`,
 * `getQuery()` and `==`. Parsing follows Go's net/url (ParseRequestURI to accept: an absolute URI or
 * an absolute path; Parse for the components), with Go's error messages.
 */
import { BOOL, cel, DYN, opaque, opaqueMethod, STRING, parses } from './cel-lib-values';

export const URL_TYPE = 'kubernetes.URL';

export interface GoURL {
  scheme: string;
  opaque: string;
  user: string | undefined;
  host: string;
  path: string;
  rawPath: string;
  rawQuery: string;
  fragment: string;
  forceQuery: boolean;
}

type Mode = 'path' | 'host' | 'zone' | 'query' | 'fragment' | 'userPassword';

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/** net/url shouldEscape */
function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' || mode === 'zone') {
    if ("!$&'()*+,;=:[]<>\"".includes(c)) return false;
  }
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    switch (mode) {
      case 'path':
        return c === '?';
      case 'userPassword':
        return c === '@' || c === '/' || c === '?' || c === ':';
      case 'query':
        return true;
      case 'fragment':
        return false;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

class URLError extends Error {}

const q = (s: string): string => JSON.stringify(s);

/** net/url unescape */
function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s[i];
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw new URLError(`invalid URL escape ${q(s.slice(i, Math.min(i + 3, s.length)))}`);
      }
      if (mode === 'host' && parseInt(hex, 16) < 0x80 && s.slice(i, i + 3) !== '%25') {
        throw new URLError(`invalid URL escape ${q(s.slice(i, i + 3))}`);
      }
      bytes.push(parseInt(hex, 16));
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
      throw new URLError(`invalid character ${q(c)} in host name`);
    }
    bytes.push(...Buffer.from(c === '+' && mode === 'query' ? ' ' : c, 'utf8'));
    i += c.length;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** net/url escape */
function escape(s: string, mode: Mode): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (b < 0x80 && !shouldEscape(c, mode)) out += c;
    else if (c === ' ' && mode === 'query') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${q(colonPort)} after host`);
    return unescape(host, 'host');
  }
  const i = host.lastIndexOf(':');
  if (i >= 0) {
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${q(colonPort)} after host`);
  }
  return unescape(host, 'host');
}

function validUserinfo(s: string): boolean {
  for (const c of s) {
    if (isAlnum(c) || "-._:~!$&'()*+,;=%@".includes(c)) continue;
    return false;
  }
  return true;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new URLError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parse(raw: string, viaRequest: boolean): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new URLError('net/url: invalid control character in URL');
  if (raw === '' && viaRequest) throw new URLError('empty url');
  const u: GoURL = { scheme: '', opaque: '', user: undefined, host: '', path: '', rawPath: '', rawQuery: '', fragment: '', forceQuery: false };
  if (raw === '*') {
    u.path = '*';
    return u;
  }
  let [scheme, rest] = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const i = rest.indexOf('?');
    if (i >= 0) {
      u.rawQuery = rest.slice(i + 1);
      rest = rest.slice(0, i);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    if (viaRequest) throw new URLError('invalid URI for request');
    const colon = rest.indexOf(':');
    const slash = rest.indexOf('/');
    if (colon >= 0 && (slash < 0 || colon < slash)) throw new URLError('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      if (!validUserinfo(userinfo)) throw new URLError('net/url: invalid userinfo');
      u.user = userinfo;
    }
    u.host = parseHost(at >= 0 ? authority.slice(at + 1) : authority);
  }
  u.path = unescape(rest, 'path');
  u.rawPath = escape(u.path, 'path') === rest ? '' : rest;
  return u;
}

function wrap<T>(raw: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof URLError) throw new Error(`parse ${q(raw)}: ${e.message}`);
    throw e;
  }
}

/** url.ParseRequestURI */
export const parseRequestURI = (raw: string): GoURL => wrap(raw, () => parse(raw, true));

/** url.Parse (the fragment split off first) */
export function parseURL(raw: string): GoURL {
  const hash = raw.indexOf('#');
  const u = wrap(raw, () => parse(hash >= 0 ? raw.slice(0, hash) : raw, false));
  if (hash >= 0) u.fragment = wrap(raw, () => unescape(raw.slice(hash + 1), 'fragment'));
  return u;
}

export function isURL(s: string): boolean {
  return parses(parseRequestURI, s);
}

/** URL.String() (used as the value compared by ==) */
export function urlString(u: GoURL): string {
  let out = '';
  if (u.scheme) out += `${u.scheme}:`;
  if (u.opaque) out += u.opaque;
  else {
    if (u.scheme || u.host || u.user !== undefined) {
      if (u.host || u.path || u.user !== undefined) out += '//';
      if (u.user !== undefined) out += `${u.user}@`;
      out += escape(u.host, 'host');
    }
    out += escapedPath(u);
  }
  if (u.forceQuery || u.rawQuery) out += `?${u.rawQuery}`;
  if (u.fragment) out += `#${escape(u.fragment, 'fragment')}`;
  return out;
}

function validEncoded(s: string): boolean {
  for (const c of s) {
    if ("!$&'()*+,;=:@[]".includes(c) || c === '%') continue;
    if (shouldEscape(c, 'path')) return false;
  }
  return true;
}

/** URL.EscapedPath() */
function escapedPath(u: GoURL): string {
  if (u.rawPath && validEncoded(u.rawPath)) {
    try {
      if (unescape(u.rawPath, 'path') === u.path) return u.rawPath;
    } catch {
      /* fall through */
    }
  }
  if (u.path === '*') return '*';
  return escape(u.path, 'path');
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = hostPort.lastIndexOf(':');
  if (colon >= 0 && validOptionalPort(hostPort.slice(colon))) {
    host = hostPort.slice(0, colon);
    port = hostPort.slice(colon + 1);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

/** url.ParseQuery: `k=v&k=v2`, '+' as space, bad pairs skipped. */
function parseQuery(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of raw.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    try {
      const k = unescape(eq >= 0 ? part.slice(0, eq) : part, 'query');
      const v = unescape(eq >= 0 ? part.slice(eq + 1) : '', 'query');
      out.set(k, [...(out.get(k) ?? []), v]);
    } catch {
      /* skipped, as Go does */
    }
  }
  return out;
}

/** url(): validated with ParseRequestURI, parsed again with Parse (fragments). */
export function stringToURL(s: string): GoURL {
  try {
    parseRequestURI(s);
    return parseURL(s);
  } catch (e) {
    throw new Error(`URL parse error during conversion from string: ${(e as Error).message}`);
  }
}

const opaqueURL = (u: GoURL): unknown => opaque(URL_TYPE, urlString(u), u);

const urlMethod = (name: string, result: unknown, f: (u: GoURL) => unknown): unknown => opaqueMethod(URL_TYPE, name, result, f);

export const urlLibrary: unknown[] = [
  cel.celFunc('url', [STRING], DYN, (s: string) => opaqueURL(stringToURL(s))),
  cel.celFunc('isURL', [STRING], BOOL, (s: string) => isURL(s)),
  urlMethod('getScheme', STRING, (u) => u.scheme),
  urlMethod('getHost', STRING, (u) => u.host),
  urlMethod('getHostname', STRING, (u) => splitHostPort(u.host)[0]),
  urlMethod('getPort', STRING, (u) => splitHostPort(u.host)[1]),
  urlMethod('getEscapedPath', STRING, (u) => escapedPath(u)),
  urlMethod('getQuery', DYN, (u) => new Map([...parseQuery(u.rawQuery)].map(([k, v]) => [k, v]))),
];
