/**
 * A small pflag-compatible flag parser. Components declare their flags as a record of typed
 * definitions and get back a typed record of values:
 *
 *   const specs = { port: flag({ name: 'secure-port', type: flagTypes.int, default: 6443, usage: '...' }) };
 *   const { values, changed } = parseFlags(specs, argv, { command: 'kubernest server' });
 *   values.port // number
 *
 * Accepted syntax, as pflag: `--name=value`, `--name value`, booleans `--name` / `--name=false`,
 * shorthands `-v 3`, `-v=3`, `-v3`, `--` ends flag parsing, `_` and `-` are interchangeable in names.
 * Errors (FlagError) carry pflag's one-line messages; `--help`/`-h` throws HelpRequested.
 */
import { goQuote, goQuoteSlice } from './go-strconv';

/** A bad command line. The CLI prints `Error: <message>` and exits 1. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** `--help` / `-h` was given: print `usage` and exit 0. Deliberately not a FlagError. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

/** How one kind of flag value is parsed and shown. `parse` throws an Error whose message is the reason. */
export interface FlagValueType<T> {
  /** shown in usage after the flag name (pflag's type names: string, int, duration, strings, ip...); '' for bools */
  readonly typeName: string;
  /** bools take no argument: `--flag` means true, `--flag=false` is needed to unset */
  readonly isBool?: boolean;
  /** `previous` is the current value; `firstSet` is true on the first occurrence (slices replace the default, then append) */
  parse(raw: string, previous: T, firstSet: boolean): T;
  format(value: T): string;
}

export interface FlagDef<T> {
  /** long name without dashes, e.g. 'secure-port' */
  name: string;
  /** one-letter shorthand, e.g. 'v' */
  shorthand?: string;
  type: FlagValueType<T>;
  default: T;
  usage: string;
  /** checked after parsing on the final value (default or given); return an error message */
  validate?(value: T): string | undefined;
  /** accepted but not listed in usage */
  hidden?: boolean;
}

/** Identity helper so that `T` is inferred from `type` and `default`. */
export function flag<T>(def: FlagDef<T>): FlagDef<T> {
  return def;
}

export type FlagSpecs = Record<string, FlagDef<unknown>>;

export type FlagValues<S extends FlagSpecs> = { [K in keyof S]: S[K] extends FlagDef<infer T> ? T : never };

export interface ParsedFlags<S extends FlagSpecs> {
  values: FlagValues<S>;
  /** keys of the flags given on the command line */
  changed: Set<keyof S>;
  /** positional arguments (only when allowPositional) */
  args: string[];
}

export interface ParseFlagsOptions<S extends FlagSpecs> {
  /** command path used in messages, e.g. 'kubernest server' */
  command: string;
  /** replace declared defaults (e.g. a caller-provided etcd endpoint) */
  defaults?: Partial<FlagValues<S>>;
  /** accept positional arguments instead of rejecting them as kube-apiserver does */
  allowPositional?: boolean;
  /** text shown above the flag list in usage */
  description?: string;
}

function normalizeName(name: string): string {
  return name.replace(/_/g, '-');
}

function flagDisplayName(def: FlagDef<unknown>): string {
  return def.shorthand ? `-${def.shorthand}, --${def.name}` : `--${def.name}`;
}

interface Lookup {
  byName: Map<string, string>;
  byShorthand: Map<string, string>;
}

function buildLookup(specs: FlagSpecs): Lookup {
  const byName = new Map<string, string>();
  const byShorthand = new Map<string, string>();
  for (const [key, def] of Object.entries(specs)) {
    const name = normalizeName(def.name);
    if (byName.has(name)) throw new Error(`flag redefined: ${def.name}`);
    byName.set(name, key);
    if (def.shorthand) {
      if (byShorthand.has(def.shorthand)) throw new Error(`unable to redefine ${goQuote(def.shorthand)} shorthand`);
      byShorthand.set(def.shorthand, key);
    }
  }
  return { byName, byShorthand };
}

/** Parse `argv` (without node/script/subcommand) against `specs`. Throws FlagError or HelpRequested. */
export function parseFlags<S extends FlagSpecs>(specs: S, argv: readonly string[], opts: ParseFlagsOptions<S>): ParsedFlags<S> {
  const lookup = buildLookup(specs);
  const values: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(specs)) {
    const override = opts.defaults?.[key as keyof S];
    values[key] = override !== undefined ? override : def.default;
  }
  const changed = new Set<keyof S>();
  const args: string[] = [];
  const help = () => new HelpRequested(formatUsage(specs, opts));

  const setValue = (key: string, raw: string, display: string) => {
    const def = specs[key];
    try {
      values[key] = def.type.parse(raw, values[key], !changed.has(key));
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new FlagError(`invalid argument ${goQuote(raw)} for ${goQuote(display)} flag: ${reason}`);
    }
    changed.add(key);
  };

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++];
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      args.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${arg}`);
      const eq = body.indexOf('=');
      const name = normalizeName(eq >= 0 ? body.slice(0, eq) : body);
      const key = lookup.byName.get(name);
      if (key === undefined) {
        if (name === 'help') throw help();
        throw new FlagError(`unknown flag: --${eq >= 0 ? body.slice(0, eq) : body}`);
      }
      const def = specs[key];
      const display = flagDisplayName(def);
      if (eq >= 0) setValue(key, body.slice(eq + 1), display);
      else if (def.type.isBool) setValue(key, 'true', display);
      else if (i < argv.length) setValue(key, argv[i++], display);
      else throw new FlagError(`flag needs an argument: ${arg}`);
      continue;
    }
    // shorthand cluster: -v3, -v=3, -v 3, -abc (bools)
    let rest = arg.slice(1);
    while (rest.length > 0) {
      const c = rest[0];
      const key = lookup.byShorthand.get(c);
      if (key === undefined) {
        if (c === 'h') throw help();
        throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
      }
      const def = specs[key];
      const display = flagDisplayName(def);
      if (rest.length > 2 && rest[1] === '=') {
        setValue(key, rest.slice(2), display);
        rest = '';
      } else if (def.type.isBool) {
        setValue(key, 'true', display);
        rest = rest.slice(1);
      } else if (rest.length > 1) {
        setValue(key, rest.slice(rest[1] === '=' ? 2 : 1), display);
        rest = '';
      } else if (i < argv.length) {
        setValue(key, argv[i++], display);
        rest = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in ${arg}`);
      }
    }
  }

  if (!opts.allowPositional && args.some((a) => a.length > 0)) {
    throw new FlagError(`${goQuote(opts.command)} does not take any arguments, got ${goQuoteSlice(args)}`);
  }

  for (const [key, def] of Object.entries(specs)) {
    const msg = def.validate?.(values[key]);
    if (msg) throw new FlagError(msg);
  }
  return { values: values as FlagValues<S>, changed, args };
}

/** pflag-style usage text: `      --secure-port int   The port ... (default 6443)`. */
export function formatUsage(specs: FlagSpecs, opts: { command: string; description?: string }): string {
  const rows: Array<{ name: string; left: string; right: string }> = [];
  for (const def of Object.values(specs)) {
    if (def.hidden) continue;
    const left = (def.shorthand ? `  -${def.shorthand}, --${def.name}` : `      --${def.name}`) + (def.type.typeName ? ` ${def.type.typeName}` : '');
    const shown = def.type.format(def.default);
    const isZero = shown === '' || shown === '[]' || shown === '0s' || shown === '0' || (def.type.isBool === true && shown === 'false');
    const dflt = isZero ? '' : def.type.typeName === 'string' ? ` (default ${goQuote(shown)})` : ` (default ${shown})`;
    rows.push({ name: def.name, left, right: def.usage + dflt });
  }
  const commandName = opts.command.split(' ').pop() ?? opts.command;
  rows.push({ name: 'help', left: '  -h, --help', right: `help for ${commandName}` });
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const width = Math.max(...rows.map((r) => r.left.length));
  const lines = rows.map((r) => `${r.left.padEnd(width)}   ${r.right}`);
  const head = opts.description ? `${opts.description}\n\n` : '';
  return `${head}Usage:\n  ${opts.command} [flags]\n\nFlags:\n${lines.join('\n')}\n`;
}
