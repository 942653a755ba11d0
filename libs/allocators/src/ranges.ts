/**
 * The two kinds of range a bitmap covers: a service CIDR (pkg/registry/core/service/ipallocator
 * Range) and a node port range (portallocator). Each maps values to bitmap offsets, knows its
 * static-band offset and upstream's error texts.
 */
import { CIDR, cidrContains, formatIP, IPFamily, parseCIDR, parseIP } from './ip';

export type AllocationErrorReason = 'Allocated' | 'NotInRange' | 'Full';

/** ErrAllocated / ErrNotInRange / ErrFull of upstream's allocators, with the same messages. */
export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

export function isAllocationError(e: unknown, reason?: AllocationErrorReason): e is AllocationError {
  return e instanceof AllocationError && (reason === undefined || e.reason === reason);
}

export interface AllocationRange<V> {
  /** RangeAllocation.range, e.g. "10.0.0.0/24" or "30000-32767" */
  readonly spec: string;
  /** number of allocatable values */
  readonly max: number;
  /** size of the static (lower) band; dynamic allocation prefers [offset, max) */
  readonly offset: number;
  /** the bitmap offset of a value, or undefined when it is outside the range */
  indexOf(v: V): number | undefined;
  valueAt(i: number): V;
  /** the key of a value in leak counters and messages */
  format(v: V): string;
  errAllocated(): AllocationError;
  errNotInRange(v: V): AllocationError;
  errFull(): AllocationError;
}

/** min(max(lo, size/step), hi); 0 when size <= lo (upstream calculateRangeOffset). */
function bandOffset(size: bigint, lo: number, hi: number, step: number): number {
  if (size <= BigInt(lo)) return 0;
  const o = size / BigInt(step);
  if (o < BigInt(lo)) return lo;
  if (o > BigInt(hi)) return hi;
  return Number(o);
}

/** The usable addresses of a CIDR: network+1 onwards, without the IPv4 broadcast, at most 65535 for IPv6. */
export class IPRange implements AllocationRange<string> {
  readonly spec: string;
  readonly max: number;
  readonly offset: number;
  readonly family: IPFamily;
  /** network + 1 */
  readonly base: bigint;

  constructor(readonly cidr: CIDR) {
    this.spec = cidr.text;
    this.family = cidr.family;
    const size = 1n << BigInt(cidr.bits - cidr.prefixLength);
    let max = cidr.family === 'IPv6' ? (size > 65536n ? 65536n : size) : size - 1n; // no IPv4 broadcast
    max -= 1n; // no network address
    this.max = max < 0n ? 0 : Number(max);
    this.base = cidr.network + 1n;
    this.offset = Math.min(bandOffset(size, 16, 256, 16), this.max);
  }

  static parse(text: string): IPRange {
    const c = parseCIDR(text);
    if (!c) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
    return new IPRange(c);
  }

  /** the network address (what upstream's dry-run AllocateNext answers) */
  get networkAddress(): string {
    return formatIP(this.family, this.cidr.network);
  }

  indexOf(ip: string): number | undefined {
    const p = parseIP(ip);
    if (!p || !cidrContains(this.cidr, p)) return undefined;
    const off = p.value - this.base;
    return off < 0n || off >= BigInt(this.max) ? undefined : Number(off);
  }

  valueAt(i: number): string {
    return formatIP(this.family, this.base + BigInt(i));
  }

  format(ip: string): string {
    const p = parseIP(ip);
    return p ? formatIP(p.family, p.value) : ip;
  }

  errAllocated(): AllocationError {
    return new AllocationError('Allocated', 'provided IP is already allocated');
  }

  errNotInRange(ip: string): AllocationError {
    return new AllocationError('NotInRange', `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.spec}`);
  }

  errFull(): AllocationError {
    return new AllocationError('Full', 'range is full');
  }
}

/** A node port range [base, base+size). */
export class PortRange implements AllocationRange<number> {
  readonly spec: string;
  readonly max: number;
  readonly offset: number;

  constructor(
    readonly base: number,
    readonly size: number,
  ) {
    this.spec = size === 0 ? '' : `${base}-${base + size - 1}`;
    this.max = size;
    this.offset = Math.min(bandOffset(BigInt(size), 16, 128, 32), size);
  }

  /** "a-b", "a+n" or "a" (k8s.io/apimachinery/pkg/util/net.ParsePortRange) */
  static parse(text: string): PortRange {
    const m = /^\s*(\d+)\s*(?:([-+])\s*(\d+))?\s*$/.exec(text);
    if (!m) throw new Error(`unable to parse port range: ${text}`);
    const lo = Number(m[1]);
    const n = m[3] === undefined ? undefined : Number(m[3]);
    const hi = n === undefined ? lo : m[2] === '+' ? lo + n : n;
    if (hi < lo || lo < 0 || hi > 65535) throw new Error(`invalid port range: ${text}`);
    return new PortRange(lo, hi - lo + 1);
  }

  indexOf(port: number): number | undefined {
    if (!Number.isInteger(port) || port < this.base || port >= this.base + this.size) return undefined;
    return port - this.base;
  }

  valueAt(i: number): number {
    return this.base + i;
  }

  format(port: number): string {
    return String(port);
  }

  errAllocated(): AllocationError {
    return new AllocationError('Allocated', 'provided port is already allocated');
  }

  errNotInRange(): AllocationError {
    return new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.spec}`);
  }

  errFull(): AllocationError {
    return new AllocationError('Full', 'range is full');
  }
}
