/**
 * A subset of the Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library) on @bufbuild/cel:
 * lists (isSorted, sum, min, max, indexOf, lastIndexOf), url (isURL, url(...).getScheme/getHost/
 * getPath), ip/cidr (isIP, isCIDR) and quantity (isQuantity).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@bufbuild/cel') as {
  celMethod(name: string, target: unknown, args: unknown[], result: unknown, impl: (this: any, ...args: any[]) => unknown): unknown;
  celFunc(name: string, args: unknown[], result: unknown, impl: (...args: any[]) => unknown): unknown;
  listType(t: unknown): unknown;
  CelScalar: Record<'DYN' | 'BOOL' | 'INT' | 'STRING', unknown>;
};
import { parseIPSloppy } from '../../apimachinery/src/validation/ip';

const { DYN, BOOL, INT, STRING } = cel.CelScalar;
const LIST = cel.listType(DYN);

const items = (l: Iterable<unknown>): unknown[] => [...l];
const less = (a: unknown, b: unknown): boolean => (a as number) < (b as number);
const eq = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

function isIP(s: string): boolean {
  return parseIPSloppy(s) !== null && !/^0\d|\.0\d/.test(s);
}

function isCIDR(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length || bits === undefined || !/^\d+$/.test(bits) || !isIP(ip)) return false;
  return Number(bits) <= (ip.includes(':') ? 128 : 32);
}

function parseURL(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

export const kubernetesCelLibraries: unknown[] = [
  cel.celMethod('isSorted', LIST, [], BOOL, function () {
    const a = items(this);
    for (let i = 1; i < a.length; i++) if (less(a[i], a[i - 1])) return false;
    return true;
  }),
  cel.celMethod('sum', LIST, [], DYN, function () {
    const a = items(this);
    if (a.length === 0) return 0n;
    return a.reduce((x, y) => (typeof x === 'bigint' && typeof y === 'bigint' ? x + y : Number(x) + Number(y)));
  }),
  cel.celMethod('min', LIST, [], DYN, function () {
    const a = items(this);
    if (a.length === 0) throw new Error('min called on empty list');
    return a.reduce((x, y) => (less(y, x) ? y : x));
  }),
  cel.celMethod('max', LIST, [], DYN, function () {
    const a = items(this);
    if (a.length === 0) throw new Error('max called on empty list');
    return a.reduce((x, y) => (less(x, y) ? y : x));
  }),
  cel.celMethod('indexOf', LIST, [DYN], INT, function (v: unknown) {
    return BigInt(items(this).findIndex((x) => eq(x, v)));
  }),
  cel.celMethod('lastIndexOf', LIST, [DYN], INT, function (v: unknown) {
    const a = items(this);
    for (let i = a.length - 1; i >= 0; i--) if (eq(a[i], v)) return BigInt(i);
    return -1n;
  }),
  cel.celFunc('isURL', [STRING], BOOL, (s: string) => parseURL(s) !== undefined),
  cel.celFunc('isIP', [STRING], BOOL, (s: string) => isIP(s)),
  cel.celFunc('isCIDR', [STRING], BOOL, (s: string) => isCIDR(s)),
  cel.celFunc('isQuantity', [STRING], BOOL, (s: string) => QUANTITY.test(s)),
];
