/**
 * The Kubernetes CEL regex library (k8s.io/apiserver/pkg/cel/library/regex.go):
 * `<string>.find(<regex>)` and `<string>.findAll(<regex>[, <limit>])` with Go's regexp semantics
 * (RE2 syntax, checked with @bufbuild/re2; leftmost-first matches; findAll skips an empty match
 * right after the previous match).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RE2JS } = require('@bufbuild/re2') as { RE2JS: { compile(p: string): unknown } };
import { cel, INT, STRING } from './cel-lib-values';

const LIST_STRING = cel.listType(STRING);
const compiled = new Map<string, RegExp>();

/** RE2 syntax → an equivalent JS RegExp (global), or an "Illegal regex" error. */
export function compileRE2(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re) return re;
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`Illegal regex: ${(e as Error).message}`);
  }
  let src = pattern;
  let flags = 'g';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\[:alpha:\]/g, 'A-Za-z')
    .replace(/\[:digit:\]/g, '0-9')
    .replace(/\[:alnum:\]/g, 'A-Za-z0-9')
    .replace(/\[:upper:\]/g, 'A-Z')
    .replace(/\[:lower:\]/g, 'a-z')
    .replace(/\[:space:\]/g, '\\t\\n\\v\\f\\r ')
    .replace(/\[:xdigit:\]/g, '0-9A-Fa-f')
    .replace(/\[:word:\]/g, '\\w')
    .replace(/\[:punct:\]/g, '!-\\/:-@\\[-`{-~');
  try {
    re = new RegExp(src, flags);
  } catch (e) {
    throw new Error(`Illegal regex: ${(e as Error).message}`);
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

/** regexp.FindAllString(s, n) */
export function findAll(s: string, pattern: string, n = -1): string[] {
  const re = compileRE2(pattern);
  const out: string[] = [];
  if (n === 0) return out;
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length && (n < 0 || out.length < n); ) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    let accept = true;
    if (end === start) {
      if (start === prevEnd) accept = false;
      const cp = s.codePointAt(start);
      pos = start + (cp !== undefined && cp > 0xffff ? 2 : 1);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m[0]);
  }
  return out;
}

/** regexp.FindString */
export function find(s: string, pattern: string): string {
  const re = compileRE2(pattern);
  re.lastIndex = 0;
  const m = re.exec(s);
  return m ? m[0] : '';
}

export const regexLibrary: unknown[] = [
  cel.celMethod('find', STRING, [STRING], STRING, function (this: string, p: string) {
    return find(this, p);
  }),
  cel.celMethod('findAll', STRING, [STRING], LIST_STRING, function (this: string, p: string) {
    return findAll(this, p);
  }),
  cel.celMethod('findAll', STRING, [STRING, INT], LIST_STRING, function (this: string, p: string, n: bigint) {
    return findAll(this, p, Number(n));
  }),
];
