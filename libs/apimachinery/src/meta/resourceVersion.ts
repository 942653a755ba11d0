/**
 * resourceVersion query parameters as the storage layer reads them: decimal uint64 strings
 * ("" and "0" have their own meaning), with the errors kube-apiserver 1.32 sends back.
 */
import { goQuote } from '../selectors/go-text';
import { errors, StatusError } from '../status';

/** Where upstream would serve the request from; it decides how a bad resourceVersion is reported. */
export type ResourceVersionSource = 'etcd' | 'cache';

export interface ParseResourceVersionOptions {
  /**
   * 'etcd' (default): the etcd3 store's "invalid resource version: ..." 400 BadRequest.
   * 'cache': the watch cache returns the bare storage error, which the handler turns into a
   * reason-less 500 carrying the same field error text (upstream behaviour for GET with
   * resourceVersion, WATCH, and LIST without limit/continue/Exact).
   */
  source?: ResourceVersionSource;
}

const UINT64_MAX = 2n ** 64n - 1n;

/** The strconv.ParseUint(s, 10, 64) error text, or undefined when s parses. */
export function parseUintError(s: string): string | undefined {
  const quoted = goQuote(s);
  if (!/^[0-9]+$/.test(s)) return `strconv.ParseUint: parsing ${quoted}: invalid syntax`;
  if (BigInt(s) > UINT64_MAX) return `strconv.ParseUint: parsing ${quoted}: value out of range`;
  return undefined;
}

/**
 * The message of the storage error for an unparsable resource version, e.g.
 * `resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`.
 */
export function invalidResourceVersionMessage(value: string, what = 'resourceVersion'): string | undefined {
  const err = parseUintError(value);
  return err === undefined ? undefined : `${what}: Invalid value: ${goQuote(value)}: ${err}`;
}

/** The StatusError a client receives for an unparsable resource version. */
export function invalidResourceVersionError(value: string, what = 'resourceVersion', source: ResourceVersionSource = 'etcd'): StatusError {
  const msg = invalidResourceVersionMessage(value, what) ?? `${what}: Invalid value: ${goQuote(value)}`;
  return source === 'cache' ? new StatusError(500, '', msg, {}) : errors.badRequest(`invalid resource version: ${msg}`);
}

/**
 * Parse a resourceVersion parameter: undefined for unset/"", 0 for "0", the revision otherwise.
 * Throws the StatusError upstream produces for a non-numeric value (see ParseResourceVersionOptions).
 * Revisions above 2^53 lose precision (etcd revisions never get there).
 */
export function parseResourceVersion(
  s: string | undefined | null,
  what = 'resourceVersion',
  options: ParseResourceVersionOptions = {},
): number | undefined {
  if (s === undefined || s === null || s === '') return undefined;
  if (parseUintError(s) !== undefined) throw invalidResourceVersionError(s, what, options.source ?? 'etcd');
  return Number(s);
}

export interface ListSourceOptions {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

/**
 * Whether kube-apiserver 1.32 would answer a LIST from etcd or from the watch cache
 * (cacher's shouldDelegateList, ConsistentListFromCache enabled). Requests with an explicit
 * resourceVersion go to etcd only for continue, a limit (unless resourceVersion=0), or a
 * resourceVersionMatch other than NotOlderThan.
 */
export function listResourceVersionSource(opts: ListSourceOptions): ResourceVersionSource {
  const rv = opts.resourceVersion ?? '';
  const match = opts.resourceVersionMatch ?? '';
  if ((opts.continue ?? '') !== '') return 'etcd';
  if ((opts.limit ?? 0) > 0 && rv !== '0') return 'etcd';
  if (match !== '' && match !== 'NotOlderThan') return 'etcd';
  return 'cache';
}
