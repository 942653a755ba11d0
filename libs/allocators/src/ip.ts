/** IPv4/IPv6 text <-> bigint, and CIDR parsing, for the ClusterIP range. */
import { isIP } from 'node:net';

export type IPFamily = 'IPv4' | 'IPv6';

export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function v6ToBig(ip: string): bigint {
  let text = ip;
  // an embedded dotted-quad tail (::ffff:1.2.3.4)
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v = v4ToBig(tail);
    text = `${text.slice(0, lastColon + 1)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parse an IP address (no zone); null when malformed. IPv4-mapped IPv6 stays IPv6. */
export function parseIP(text: string): ParsedIP | null {
  if (typeof text !== 'string' || text.includes('%')) return null;
  const f = isIP(text);
  if (f === 4) return { family: 'IPv4', value: v4ToBig(text) };
  if (f === 6) return { family: 'IPv6', value: v6ToBig(text) };
  return null;
}

/** Canonical text (RFC 5952 for IPv6: lower case, longest zero run of 2+ groups as ::). */
export function formatIP(family: IPFamily, value: bigint): string {
  if (family === 'IPv4') {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let k = 7; k >= 0; k--) groups.push(Number((value >> BigInt(k * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export interface CIDR {
  family: IPFamily;
  /** network address (host bits cleared) */
  network: bigint;
  prefixLength: number;
  bits: 32 | 128;
  /** canonical text, e.g. 10.0.0.0/24 */
  text: string;
}

export function parseCIDR(text: string): CIDR | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(lenText)) return null;
  const bits = ip.family === 'IPv4' ? 32 : 128;
  const prefixLength = Number(lenText);
  if (prefixLength > bits) return null;
  const hostBits = BigInt(bits - prefixLength);
  const network = (ip.value >> hostBits) << hostBits;
  return { family: ip.family, network, prefixLength, bits, text: `${formatIP(ip.family, network)}/${prefixLength}` };
}

export function cidrContains(c: CIDR, ip: ParsedIP): boolean {
  if (ip.family !== c.family) return false;
  const hostBits = BigInt(c.bits - c.prefixLength);
  return ip.value >> hostBits === c.network >> hostBits;
}
