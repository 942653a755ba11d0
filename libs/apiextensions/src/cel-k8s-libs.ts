/**
 * The Kubernetes CEL libraries (k8s.io/apiserver/pkg/cel/library) on @bufbuild/cel, shared by CRD
 * `x-kubernetes-validations` and admission CEL (ValidatingAdmissionPolicy, matchConditions):
 * lists (isSorted, sum, min, max, indexOf, lastIndexOf, here), url (cel-lib-url.ts), ip
 * (cel-lib-ip.ts), cidr (cel-lib-cidr.ts), quantity (cel-lib-quantity.ts), format
 * (cel-lib-format.ts), regex find/findAll (cel-lib-regex.ts), optionals (cel-lib-values.ts) and
 * `string(<ip|cidr>)`.
 */
import { cidrLibrary, CIDR_TYPE } from './cel-lib-cidr';
import { formatLibrary } from './cel-lib-format';
import { ipLibrary, IP_TYPE } from './cel-lib-ip';
import { quantityLibrary } from './cel-lib-quantity';
import { regexLibrary } from './cel-lib-regex';
import { urlLibrary } from './cel-lib-url';
import { cel, DYN, BOOL, INT, noOverload, opaqueValue, optionalLibrary, STRING } from './cel-lib-values';

const LIST = cel.listType(DYN);

const items = (l: Iterable<unknown>): unknown[] => [...l];
const less = (a: unknown, b: unknown): boolean => (a as number) < (b as number);
const eq = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

const listsLibrary: unknown[] = [
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
];

/** string(ip) and string(cidr) give the canonical forms (netip String()). */
const toStringLibrary: unknown[] = [
  cel.celFunc('string', [DYN], STRING, (v: unknown) => {
    for (const t of [IP_TYPE, CIDR_TYPE]) {
      if (opaqueValue(v, t) !== undefined) return ((v as { get(k: string): unknown }).get(`@${t}`)) as string;
    }
    throw noOverload('string', v);
  }),
];

export const kubernetesCelLibraries: unknown[] = [
  ...listsLibrary,
  ...optionalLibrary,
  ...urlLibrary,
  ...ipLibrary,
  ...cidrLibrary,
  ...quantityLibrary,
  ...formatLibrary,
  ...regexLibrary,
  ...toStringLibrary,
];

