/**
 * Address checks used by flag validation: CIDRs (as Go's net.ParseCIDR), IPs, host:port, etcd URLs.
 */
import { isIP, isIPv4 } from 'node:net';

export interface ParsedCIDR {
  /** the network address (host bits cleared), e.g. '10.0.0.0' */
  network: string;
  prefixLength: number;
  family: 4 | 6;
  /** total bits in the address: 32 or 128 */
  bits: 32 | 128;
  /** canonical text, e.g. '10.0.0.0/24' */
  cidr: string;
}

function ipv4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function bigIntToIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIPv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // compress the longest run of zero groups (length >= 2), as Go's net.IP.String does
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Go's net.ParseCIDR; returns null when invalid. */
export function parseCIDR(text: string): ParsedCIDR | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const ip = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lenText)) return null;
  const prefixLength = Number(lenText);
  const family = isIP(ip);
  if (family === 0 || ip.includes('%')) return null;
  const bits = family === 4 ? 32 : 128;
  if (prefixLength > bits) return null;
  const value = family === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  const hostBits = BigInt(bits - prefixLength);
  const network = (value >> hostBits) << hostBits;
  const networkText = family === 4 ? bigIntToIPv4(network) : bigIntToIPv6(network);
  return { network: networkText, prefixLength, family: family as 4 | 6, bits, cidr: `${networkText}/${prefixLength}` };
}

export function isUnspecifiedIP(ip: string): boolean {
  if (isIPv4(ip)) return ip === '0.0.0.0';
  return isIP(ip) === 6 && ipv6ToBigInt(ip) === 0n;
}

/** `host:port` or `[v6]:port` with a numeric port 0-65535. */
export function isHostPort(text: string): boolean {
  const m = /^(\[[^\]]+\]|[^:[\]]+):([0-9]+)$/.exec(text);
  if (!m) return false;
  const port = Number(m[2]);
  if (port > 65535) return false;
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  if (m[1].startsWith('[')) return isIP(host) === 6;
  return host.length > 0;
}

/** An etcd endpoint URL: http(s)://host[:port]. */
export function isHttpURL(text: string): boolean {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}
