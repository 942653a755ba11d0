/**
 * An allocation bitmap (pkg/registry/core/service/allocator.AllocationBitmap with the offset
 * strategy): bit i set = item i taken. Items [0, offset) are the static (lower) band, [offset, max)
 * the dynamic (upper) band. Serialised as upstream's big.Int.Bytes(): big-endian, bit 0 = lowest
 * bit of the last byte, no leading zero bytes (an empty bitmap is zero bytes).
 */
export type RandomInt = (n: number) => number;

export const defaultRandom: RandomInt = (n) => Math.floor(Math.random() * n);

export class AllocationBitmap {
  /** little-endian by byte: bit i lives in bytes[i >> 3], bit (i & 7) */
  private bytes: Uint8Array;
  private used = 0;

  constructor(
    readonly max: number,
    readonly offset = 0,
  ) {
    if (offset < 0 || offset > max) throw new RangeError(`offset ${offset} out of [0, ${max}]`);
    this.bytes = new Uint8Array(Math.ceil(max / 8));
  }

  /** Number of items taken. */
  get count(): number {
    return this.used;
  }

  free(): number {
    return this.max - this.used;
  }

  has(i: number): boolean {
    if (i < 0 || i >= this.max) return false;
    return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0;
  }

  /** Reserve item i; false when it is already taken. Callers check the range. */
  allocate(i: number): boolean {
    if (i < 0 || i >= this.max) throw new RangeError(`offset ${i} out of range`);
    if (this.has(i)) return false;
    this.bytes[i >> 3] |= 1 << (i & 7);
    this.used++;
    return true;
  }

  /**
   * Reserve a free item: a random start in the upper band [offset, max), scanning forward with
   * wrap-around inside that band; when the band is full, the same in the lower band [0, offset).
   * Undefined when everything is taken.
   */
  allocateNext(random: RandomInt = defaultRandom): number | undefined {
    if (this.used >= this.max) return undefined;
    const upper = this.max - this.offset;
    if (upper > 0) {
      const start = random(upper);
      for (let k = 0; k < upper; k++) {
        const at = this.offset + ((start + k) % upper);
        if (!this.has(at)) return this.take(at);
      }
    }
    if (this.offset > 0) {
      const start = random(this.offset);
      for (let k = 0; k < this.offset; k++) {
        const at = (start + k) % this.offset;
        if (!this.has(at)) return this.take(at);
      }
    }
    return undefined;
  }

  private take(i: number): number {
    this.bytes[i >> 3] |= 1 << (i & 7);
    this.used++;
    return i;
  }

  /** Release item i; releasing a free or out-of-range item is a no-op. */
  release(i: number): void {
    if (!this.has(i)) return;
    this.bytes[i >> 3] &= ~(1 << (i & 7));
    this.used--;
  }

  /** Every taken item, ascending. */
  forEach(fn: (i: number) => void): void {
    for (let b = 0; b < this.bytes.length; b++) {
      const v = this.bytes[b];
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (v & (1 << bit)) fn(b * 8 + bit);
    }
  }

  items(): number[] {
    const out: number[] = [];
    this.forEach((i) => out.push(i));
    return out;
  }

  /** big.Int.Bytes() of the bitmap. */
  toBytes(): Buffer {
    let top = this.bytes.length - 1;
    while (top >= 0 && this.bytes[top] === 0) top--;
    const out = Buffer.alloc(top + 1);
    for (let b = 0; b <= top; b++) out[top - b] = this.bytes[b];
    return out;
  }

  /**
   * Restore from big.Int bytes. Bits at or above max (e.g. a snapshot of a larger range) are
   * dropped, as they can never be allocated here.
   */
  static fromBytes(max: number, offset: number, data: Uint8Array): AllocationBitmap {
    const bm = new AllocationBitmap(max, offset);
    const n = data.length;
    for (let k = 0; k < n; k++) {
      const v = data[n - 1 - k];
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        const i = k * 8 + bit;
        if (v & (1 << bit) && i < max) bm.allocate(i);
      }
    }
    return bm;
  }

  clone(): AllocationBitmap {
    const c = new AllocationBitmap(this.max, this.offset);
    c.bytes = this.bytes.slice();
    c.used = this.used;
    return c;
  }
}
