/**
 * A range allocator persisted as a core/v1 RangeAllocation object (upstream
 * pkg/registry/core/service/allocator/storage): every allocate/release is a read-modify-write of
 * the whole bitmap with compare-and-swap on the object (Storage.guaranteedUpdate retries on
 * conflict), creating the object when it is missing. Calls from this process are queued so they
 * do not fight each other over the one key; other replicas are kept out by the CAS.
 */
import { KObject } from '../../apimachinery/src/types';
import { Storage } from '../../storage/src/interface';
import { AllocationBitmap, defaultRandom, RandomInt } from './bitmap';
import { AllocationRange } from './ranges';

/** Storage keys (under the storage's /registry prefix), as upstream. */
export const SERVICE_IPS_KEY = '/ranges/serviceips';
export const SERVICE_NODE_PORTS_KEY = '/ranges/servicenodeports';
/** upstream: the secondary (other family) service CIDR */
export const SECONDARY_SERVICE_IPS_KEY = '/ranges/secondaryserviceips';

export interface RangeAllocationObject extends KObject {
  range: string;
  /** base64 of the big-endian bitmap bytes */
  data?: string;
}

export function rangeAllocationObject(range: string, data: Uint8Array, metadata?: KObject['metadata']): RangeAllocationObject {
  const out: RangeAllocationObject = { apiVersion: 'v1', kind: 'RangeAllocation', metadata: { ...(metadata ?? { name: '' }) }, range, data: Buffer.from(data).toString('base64') };
  if (out.data === '') delete out.data;
  return out;
}

export function decodeRangeData(obj: { data?: unknown }): Buffer {
  return typeof obj.data === 'string' ? Buffer.from(obj.data, 'base64') : Buffer.alloc(0);
}

export class RangeMismatchError extends Error {
  constructor(stored: string, configured: string) {
    super(`the provided range does not match the current range (stored ${JSON.stringify(stored)}, configured ${JSON.stringify(configured)})`);
    this.name = 'RangeMismatchError';
  }
}

export class RangeAllocator<V> {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly random: RandomInt;

  constructor(
    private readonly storage: Storage,
    readonly key: string,
    readonly range: AllocationRange<V>,
    opts: { random?: RandomInt } = {},
  ) {
    this.random = opts.random ?? defaultRandom;
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private bitmapOf(obj: KObject | null): AllocationBitmap {
    if (obj === null) return new AllocationBitmap(this.range.max, this.range.offset);
    const stored = obj as RangeAllocationObject;
    if (stored.range !== this.range.spec) throw new RangeMismatchError(String(stored.range), this.range.spec);
    return AllocationBitmap.fromBytes(this.range.max, this.range.offset, decodeRangeData(stored));
  }

  /**
   * Read-modify-write under CAS: `change` sees the current bitmap (fresh on every retry) and may
   * throw to abort without writing.
   */
  private mutate<T>(change: (bm: AllocationBitmap) => T): Promise<T> {
    return this.serialize(async () => {
      let result!: T;
      await this.storage.guaranteedUpdate(
        this.key,
        (current) => {
          const bm = this.bitmapOf(current);
          result = change(bm);
          return rangeAllocationObject(this.range.spec, bm.toBytes(), current?.metadata);
        },
        { ignoreNotFound: true },
      );
      return result;
    });
  }

  /** Reserve a value: AllocationError NotInRange or Allocated. */
  allocate(v: V): Promise<void> {
    const i = this.range.indexOf(v);
    if (i === undefined) return Promise.reject(this.range.errNotInRange(v));
    return this.mutate((bm) => {
      if (!bm.allocate(i)) throw this.range.errAllocated();
    });
  }

  /** Reserve any free value (upper band first): AllocationError Full. */
  allocateNext(): Promise<V> {
    return this.mutate((bm) => {
      const i = bm.allocateNext(this.random);
      if (i === undefined) throw this.range.errFull();
      return this.range.valueAt(i);
    });
  }

  /** Release a value; values outside the range or not allocated are ignored. */
  async release(v: V): Promise<void> {
    const i = this.range.indexOf(v);
    if (i === undefined) return;
    await this.mutate((bm) => bm.release(i));
  }

  /** Release several values in one write. */
  async releaseAll(values: V[]): Promise<void> {
    const idx = values.map((v) => this.range.indexOf(v)).filter((i): i is number => i !== undefined);
    if (idx.length === 0) return;
    await this.mutate((bm) => idx.forEach((i) => bm.release(i)));
  }

  /** The current bitmap (empty when the object does not exist yet). Read only. */
  async current(): Promise<AllocationBitmap> {
    try {
      return this.bitmapOf(await this.storage.get(this.key));
    } catch (e) {
      if ((e as { code?: string }).code === 'KeyNotFound') return this.bitmapOf(null);
      throw e;
    }
  }

  async has(v: V): Promise<boolean> {
    const i = this.range.indexOf(v);
    return i !== undefined && (await this.current()).has(i);
  }

  /** Every allocated value, ascending. */
  async allocated(): Promise<V[]> {
    return (await this.current()).items().map((i) => this.range.valueAt(i));
  }
}
