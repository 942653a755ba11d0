/**
 * JSON decoding with Go's encoding/json error messages, and Go's fmt rendering of decoded values.
 *
 * Upstream decodes patch bodies with encoding/json (or sigs.k8s.io/json, which keeps the same
 * messages) and returns those messages to clients, e.g.
 *   "invalid character 'i' looking for beginning of value"
 *   "json: cannot unmarshal array into Go value of type map[string]interface {}"
 * This file re-implements the syntax checker of encoding/json (scanner.go) byte by byte so the
 * same input yields the same message, then lets JSON.parse build the value.
 */
import { isJsonObject } from './json-values';

export class GoJsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoJsonSyntaxError';
  }
}

// ---------------------------------------------------------------------------------------------
// The syntax checker (a port of the state machine in encoding/json/scanner.go)
// ---------------------------------------------------------------------------------------------

type Step = (c: number) => void;

const enum Parse {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** strconv.Quote(string(rune(c))) without the surrounding quotes, for a single byte value. */
function quoteByteAsRune(c: number): string {
  switch (c) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    case 0x5c:
      return '\\\\';
  }
  if (c < 0x20 || c === 0x7f) return `\\x${c.toString(16).padStart(2, '0')}`;
  // U+0080..U+00A0 and U+00AD are not printable for strconv.IsPrint
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `\\u${c.toString(16).padStart(4, '0')}`;
  return String.fromCharCode(c);
}

/** encoding/json's quoteChar. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  return `'${quoteByteAsRune(c)}'`;
}

class Scanner {
  private stack: Parse[] = [];
  private step: Step = (c) => this.beginValue(c);
  endTop = false;
  err: string | undefined;

  feed(c: number): boolean {
    this.step(c);
    return this.err === undefined;
  }

  eof(): string | undefined {
    if (this.err !== undefined) return this.err;
    if (this.endTop) return undefined;
    this.step(0x20);
    if (this.endTop) return undefined;
    if (this.err === undefined) this.err = 'unexpected end of JSON input';
    return this.err;
  }

  private fail(c: number, context: string): void {
    this.step = () => undefined;
    this.err = `invalid character ${quoteChar(c)} ${context}`;
  }

  private beginValueOrEmpty(c: number): void {
    if (isSpace(c)) return;
    if (c === 0x5d) return this.endValue(c);
    this.beginValue(c);
  }

  private beginValue(c: number): void {
    if (isSpace(c)) return;
    switch (c) {
      case 0x7b: // {
        this.step = (x) => this.beginStringOrEmpty(x);
        this.stack.push(Parse.ObjectKey);
        if (this.stack.length > MAX_NESTING_DEPTH) this.fail(c, 'exceeded max depth');
        return;
      case 0x5b: // [
        this.step = (x) => this.beginValueOrEmpty(x);
        this.stack.push(Parse.ArrayValue);
        if (this.stack.length > MAX_NESTING_DEPTH) this.fail(c, 'exceeded max depth');
        return;
      case 0x22: // "
        this.step = (x) => this.inString(x);
        return;
      case 0x2d: // -
        this.step = (x) => this.neg(x);
        return;
      case 0x30: // 0
        this.step = (x) => this.zero(x);
        return;
      case 0x74: // t
        this.step = this.literal('true', 1);
        return;
      case 0x66: // f
        this.step = this.literal('false', 1);
        return;
      case 0x6e: // n
        this.step = this.literal('null', 1);
        return;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.step = (x) => this.one(x);
      return;
    }
    this.fail(c, 'looking for beginning of value');
  }

  private beginStringOrEmpty(c: number): void {
    if (isSpace(c)) return;
    if (c === 0x7d) {
      this.stack[this.stack.length - 1] = Parse.ObjectValue;
      return this.endValue(c);
    }
    this.beginString(c);
  }

  private beginString(c: number): void {
    if (isSpace(c)) return;
    if (c === 0x22) {
      this.step = (x) => this.inString(x);
      return;
    }
    this.fail(c, 'looking for beginning of object key string');
  }

  private endValue(c: number): void {
    const n = this.stack.length;
    if (n === 0) {
      this.step = (x) => this.endTopState(x);
      this.endTop = true;
      return this.endTopState(c);
    }
    if (isSpace(c)) {
      this.step = (x) => this.endValue(x);
      return;
    }
    switch (this.stack[n - 1]) {
      case Parse.ObjectKey:
        if (c === 0x3a) {
          this.stack[n - 1] = Parse.ObjectValue;
          this.step = (x) => this.beginValue(x);
          return;
        }
        return this.fail(c, 'after object key');
      case Parse.ObjectValue:
        if (c === 0x2c) {
          this.stack[n - 1] = Parse.ObjectKey;
          this.step = (x) => this.beginString(x);
          return;
        }
        if (c === 0x7d) {
          this.popParse();
          return;
        }
        return this.fail(c, 'after object key:value pair');
      case Parse.ArrayValue:
        if (c === 0x2c) {
          this.step = (x) => this.beginValue(x);
          return;
        }
        if (c === 0x5d) {
          this.popParse();
          return;
        }
        return this.fail(c, 'after array element');
    }
  }

  private popParse(): void {
    this.stack.pop();
    if (this.stack.length === 0) {
      this.step = (x) => this.endTopState(x);
      this.endTop = true;
    } else {
      this.step = (x) => this.endValue(x);
    }
  }

  private endTopState(c: number): void {
    if (!isSpace(c)) this.fail(c, 'after top-level value');
  }

  private inString(c: number): void {
    if (c === 0x22) {
      this.step = (x) => this.endValue(x);
      return;
    }
    if (c === 0x5c) {
      this.step = (x) => this.inStringEsc(x);
      return;
    }
    if (c < 0x20) this.fail(c, 'in string literal');
  }

  private inStringEsc(c: number): void {
    switch (c) {
      case 0x62: // b
      case 0x66: // f
      case 0x6e: // n
      case 0x72: // r
      case 0x74: // t
      case 0x5c: // backslash
      case 0x2f: // /
      case 0x22: // "
        this.step = (x) => this.inString(x);
        return;
      case 0x75: // u
        this.step = this.inStringEscU(4);
        return;
    }
    this.fail(c, 'in string escape code');
  }

  private inStringEscU(remaining: number): Step {
    return (c) => {
      if (!isHex(c)) return this.fail(c, 'in \\u hexadecimal character escape');
      this.step = remaining === 1 ? (x) => this.inString(x) : this.inStringEscU(remaining - 1);
    };
  }

  private neg(c: number): void {
    if (c === 0x30) {
      this.step = (x) => this.zero(x);
      return;
    }
    if (c >= 0x31 && c <= 0x39) {
      this.step = (x) => this.one(x);
      return;
    }
    this.fail(c, 'in numeric literal');
  }

  private one(c: number): void {
    if (isDigit(c)) return;
    this.zero(c);
  }

  private zero(c: number): void {
    if (c === 0x2e) {
      this.step = (x) => this.dot(x);
      return;
    }
    if (c === 0x65 || c === 0x45) {
      this.step = (x) => this.exp(x);
      return;
    }
    this.endValue(c);
  }

  private dot(c: number): void {
    if (isDigit(c)) {
      this.step = (x) => this.dot0(x);
      return;
    }
    this.fail(c, 'after decimal point in numeric literal');
  }

  private dot0(c: number): void {
    if (isDigit(c)) return;
    if (c === 0x65 || c === 0x45) {
      this.step = (x) => this.exp(x);
      return;
    }
    this.endValue(c);
  }

  private exp(c: number): void {
    if (c === 0x2b || c === 0x2d) {
      this.step = (x) => this.expSign(x);
      return;
    }
    this.expSign(c);
  }

  private expSign(c: number): void {
    if (isDigit(c)) {
      this.step = (x) => this.exp0(x);
      return;
    }
    this.fail(c, 'in exponent of numeric literal');
  }

  private exp0(c: number): void {
    if (isDigit(c)) return;
    this.endValue(c);
  }

  private literal(word: string, index: number): Step {
    return (c) => {
      const want = word.charCodeAt(index);
      if (c !== want) return this.fail(c, `in literal ${word} (expecting ${quoteChar(want)})`);
      this.step = index === word.length - 1 ? (x) => this.endValue(x) : this.literal(word, index + 1);
    };
  }
}

/** encoding/json's scanner maxNestingDepth: deeper input is a syntax error ("exceeded max depth"). */
const MAX_NESTING_DEPTH = 10000;

function toBytes(input: Buffer | string): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

/** The message encoding/json's checkValid gives for these bytes, or undefined when they are valid JSON. */
export function goJsonSyntaxError(input: Buffer | string): string | undefined {
  const bytes = toBytes(input);
  const scanner = new Scanner();
  for (const c of bytes) {
    if (!scanner.feed(c)) return scanner.err;
  }
  return scanner.eof();
}

/** Decode JSON text; syntax errors throw GoJsonSyntaxError carrying Go's message. */
export function decodeGoJson(input: Buffer | string): unknown {
  const bytes = toBytes(input);
  const err = goJsonSyntaxError(bytes);
  if (err !== undefined) throw new GoJsonSyntaxError(err);
  return JSON.parse(bytes.toString('utf8')) as unknown;
}

// ---------------------------------------------------------------------------------------------
// Type names and fmt rendering of decoded values
// ---------------------------------------------------------------------------------------------

/** The JSON kind word encoding/json puts in UnmarshalTypeError ("object", "array", ...). */
export function goJsonKind(v: unknown): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  return 'object';
}

/** "json: cannot unmarshal <kind> into Go value of type <goType>" */
export function unmarshalTypeMessage(v: unknown, goType: string): string {
  return `json: cannot unmarshal ${goJsonKind(v)} into Go value of type ${goType}`;
}

/** reflect.TypeOf(v).String() for a value decoded into interface{} (ints preserved as int64). */
export function goTypeString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'map[string]interface {}';
}

/** strconv.FormatFloat(f, 'g', -1, 64) — what %v prints for a float64 (exponent form when exp < -4 or >= 6). */
function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const exp = Number(f.toExponential().split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [mant, e] = f.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    const digits = e.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(f);
}

/** fmt's %v of a decoded JSON value: map[k:v ...] with sorted keys, [a b], <nil>. */
export function goSprintV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFormatFloat(v);
  if (Array.isArray(v)) return `[${v.map(goSprintV).join(' ')}]`;
  if (isJsonObject(v)) {
    const keys = Object.keys(v).sort(compareGoStrings);
    return `map[${keys.map((k) => `${k}:${goSprintV(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** fmt's %s of an interface{} holding a decoded JSON value. */
export function goSprintS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'number' || typeof v === 'boolean') return `%!s(${goTypeString(v)}=${goSprintV(v)})`;
  return goSprintV(v);
}

/** Go compares strings bytewise (UTF-8); JS compares UTF-16 code units. Same for the BMP without surrogates. */
export function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
