/**
 * Opaque CEL values (kubernetes.URL, net.IP, net.CIDR, kubernetes.Quantity, kubernetes.NamedFormat)
 * and optional values for @bufbuild/cel, which has neither custom object types nor optionals.
 *
 * An opaque value is a CEL map with one entry `{'@<type>': <canonical string>}` carrying the parsed
 * JS value under a symbol: CEL equality (`==`) compares the canonical strings, as upstream's Equal
 * does, and the library functions read the parsed value back. An optional is `{'@optional': v}`
 * (of) or `{'@optional': null, '@none': true}` (none), with `optional.of/none`, `hasValue()`,
 * `value()`, `orValue()` and `or()` as cel-go's optional library.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const cel = require('@bufbuild/cel') as {
  celMethod(name: string, target: unknown, args: unknown[], result: unknown, impl: (this: any, ...args: any[]) => unknown): unknown;
  celFunc(name: string, args: unknown[], result: unknown, impl: (...args: any[]) => unknown): unknown;
  celMap(m: Map<unknown, unknown>): unknown;
  celList(l: unknown[]): unknown;
  isCelMap(v: unknown): boolean;
  isCelList(v: unknown): boolean;
  listType(t: unknown): unknown;
  CelScalar: Record<'DYN' | 'BOOL' | 'INT' | 'STRING' | 'DOUBLE', unknown>;
};

export const { DYN, BOOL, INT, STRING, DOUBLE } = cel.CelScalar;

const PARSED = Symbol('k8s.cel.opaque');
const NONE_KEY = '@none';
const OPTIONAL_KEY = '@optional';

type Tagged = { [PARSED]?: { type: string; value: unknown } };

/** A CEL value of the opaque type `type` (e.g. 'net.IP'); values with equal `canonical` are ==. */
export function opaque(type: string, canonical: string, value: unknown): unknown {
  const m = cel.celMap(new Map([[`@${type}`, canonical]])) as Tagged;
  m[PARSED] = { type, value };
  return m;
}

/** The parsed value of an opaque CEL value of `type`, or undefined. */
export function opaqueValue<T>(v: unknown, type: string): T | undefined {
  const p = typeof v === 'object' && v !== null ? (v as Tagged)[PARSED] : undefined;
  return p && p.type === type ? (p.value as T) : undefined;
}

/** The CEL type name of a value, for "no matching overload" messages. */
export function celTypeName(v: unknown): string {
  const p = typeof v === 'object' && v !== null ? (v as Tagged)[PARSED] : undefined;
  if (p) return p.type;
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'boolean') return 'bool';
  if (v === null) return 'null_type';
  if (cel.isCelList(v)) return 'list';
  if (cel.isCelMap(v)) return 'map';
  return 'dyn';
}

/** The error cel-go reports when no overload matches at runtime. */
export function noOverload(fn: string, ...args: unknown[]): Error {
  return new Error(`no such overload: ${fn}(${args.map(celTypeName).join(', ')})`);
}

/** Reads an opaque value of `type` from a method target / argument or throws "no such overload". */
export function expect<T>(v: unknown, type: string, fn: string, ...rest: unknown[]): T {
  const x = opaqueValue<T>(v, type);
  if (x === undefined) throw noOverload(fn, v, ...rest);
  return x;
}

/** A method without arguments on opaque values of `type`: `f` gets the parsed value (other targets: "no such overload"). */
export function opaqueMethod<T>(type: string, name: string, result: unknown, f: (v: T) => unknown): unknown {
  return cel.celMethod(name, DYN, [], result, function (this: unknown) {
    return f(expect<T>(this, type, name));
  });
}

/** Whether `parse` accepts `s` (the isURL / isIP / isCIDR / isQuantity checks: no error means valid). */
export function parses(parse: (s: string) => unknown, s: string): boolean {
  try {
    parse(s);
    return true;
  } catch {
    return false;
  }
}

export const optionalNone = (): unknown => optionalTagged(undefined);
export const optionalOf = (v: unknown): unknown => optionalTagged(v);

function optionalTagged(v: unknown): unknown {
  const m = cel.celMap(new Map<string, unknown>(v === undefined ? [[NONE_KEY, true]] : [[OPTIONAL_KEY, v]])) as Tagged;
  m[PARSED] = { type: 'optional_type', value: v === undefined ? { none: true } : { none: false, value: v } };
  return m;
}

type Optional = { none: boolean; value?: unknown };

/** optional.of/none/ofNonZeroValue and the optional methods. */
export const optionalLibrary: unknown[] = [
  cel.celFunc('optional.none', [], DYN, () => optionalNone()),
  cel.celFunc('optional.of', [DYN], DYN, (v: unknown) => optionalOf(v)),
  cel.celFunc('optional.ofNonZeroValue', [DYN], DYN, (v: unknown) => {
    const zero = v === null || v === '' || v === 0n || v === 0 || v === false || ((cel.isCelList(v) || cel.isCelMap(v)) && (v as { size: number }).size === 0);
    return zero ? optionalNone() : optionalOf(v);
  }),
  cel.celMethod('hasValue', DYN, [], BOOL, function (this: unknown) {
    return !expect<Optional>(this, 'optional_type', 'hasValue').none;
  }),
  cel.celMethod('value', DYN, [], DYN, function (this: unknown) {
    const o = expect<Optional>(this, 'optional_type', 'value');
    if (o.none) throw new Error('optional.none() dereference');
    return o.value;
  }),
  cel.celMethod('orValue', DYN, [DYN], DYN, function (this: unknown, d: unknown) {
    const o = expect<Optional>(this, 'optional_type', 'orValue', d);
    return o.none ? d : o.value;
  }),
  cel.celMethod('or', DYN, [DYN], DYN, function (this: unknown, other: unknown) {
    const o = expect<Optional>(this, 'optional_type', 'or', other);
    expect<Optional>(other, 'optional_type', 'or', this);
    return o.none ? other : this;
  }),
];
