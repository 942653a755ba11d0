/**
 * A sorted set of storage keys (binary search over an array). Keys compare as JS strings, which
 * is etcd's byte order for the ASCII keys the registry writes.
 */
export class SortedKeys {
  private keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** index of the first key >= k */
  lowerBound(k: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(k: string): void {
    const i = this.lowerBound(k);
    if (this.keys[i] !== k) this.keys.splice(i, 0, k);
  }

  delete(k: string): void {
    const i = this.lowerBound(k);
    if (this.keys[i] === k) this.keys.splice(i, 1);
  }

  at(i: number): string | undefined {
    return this.keys[i];
  }

  clear(): void {
    this.keys = [];
  }
}
