/**
 * The storage under one served version of a CRD with Webhook conversion: objects are converted to
 * the served version on the way out (get, list — one conversion per page —, watch events, write
 * results) and to the storage version on the way in (create, update), through an asynchronous
 * converter (webhook-converter.ts). Objects already in the wanted version are not converted.
 * Conversion failures are 500 Status errors with the converter's message (upstream hands the
 * error to ErrorToAPIStatus: code 500, no reason); in a watch they end the stream with an ERROR
 * event (500 InternalError), as upstream's watcher reports decode errors.
 */
import { errors, StatusError } from '../../apimachinery/src/status';
import { KObject } from '../../apimachinery/src/types';
import { jsonEqual } from '../../registry/src/object-meta';
import {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageEvent,
  TryUpdate,
  UpdateOptions,
  Watcher,
  WatchOptions,
} from '../../storage/src/interface';

/** Converts objects to `apiVersion` (one call for all of them); `list` picks list-style error messages. */
export type ObjectConverter = (objects: KObject[], apiVersion: string, list: boolean) => Promise<KObject[]>;

export class ConvertingStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly converter: ObjectConverter,
    /** `<group>/<version>` this storage serves */
    private readonly servedAPIVersion: string,
    /** `<group>/<storage version>` objects are written in */
    private readonly storageAPIVersion: string,
    private readonly kind: string,
  ) {}

  private async convert(objects: KObject[], apiVersion: string, list: boolean): Promise<KObject[]> {
    if (objects.length === 0) return objects;
    for (const o of objects) o.kind ??= this.kind;
    if (objects.every((o) => o.apiVersion === apiVersion)) return objects;
    try {
      return await this.converter(objects, apiVersion, list);
    } catch (e) {
      if (e instanceof StatusError) throw e;
      throw new StatusError(500, '', (e as Error).message);
    }
  }

  private async out(obj: KObject): Promise<KObject> {
    const rv = obj.metadata?.resourceVersion;
    const [converted] = await this.convert([obj], this.servedAPIVersion, false);
    // the backend's resourceVersion is the truth, whatever the webhook answered
    if (rv !== undefined && converted.metadata) converted.metadata.resourceVersion = rv;
    return converted;
  }

  private async in(obj: KObject): Promise<KObject> {
    obj.apiVersion = this.servedAPIVersion;
    const [converted] = await this.convert([obj], this.storageAPIVersion, false);
    return converted;
  }

  async create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject> {
    const stored = await this.inner.create(key, await this.in(obj), opts);
    return this.out(stored);
  }

  async get(key: string, opts?: GetOptions): Promise<KObject> {
    return this.out(await this.inner.get(key, opts));
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    // the selector predicate sees the stored object under the served apiVersion: labels, names and
    // namespaces are the same in every version (selectable fields that differ between versions are
    // not converted first)
    const predicate = opts.predicate;
    const res = await this.inner.list(prefix, {
      ...opts,
      predicate: predicate ? (o) => predicate({ ...o, apiVersion: this.servedAPIVersion }) : undefined,
    });
    const rvs = res.items.map((o) => o.metadata?.resourceVersion);
    const items = await this.convert(res.items, this.servedAPIVersion, true);
    items.forEach((o, i) => {
      if (rvs[i] !== undefined && o.metadata) o.metadata.resourceVersion = rvs[i];
    });
    return { ...res, items };
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KObject> {
    const stored = await this.inner.guaranteedUpdate(
      key,
      async (current) => {
        const served = current === null ? null : await this.out(structuredClone(current));
        const next = await tryUpdate(served);
        // an unchanged object handed back means "no write": give the backend its own object
        if (next === served && current !== null) return current;
        const out = await this.in(next);
        if (current !== null && sameExceptResourceVersion(out, current)) return current;
        return out;
      },
      opts,
    );
    return this.out(stored);
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<KObject> {
    const validate = opts.validateDeletion;
    const deleted = await this.inner.delete(key, {
      ...opts,
      validateDeletion: validate ? async (cur) => validate(await this.out(structuredClone(cur))) : undefined,
    });
    return this.out(deleted);
  }

  watch(key: string, opts?: WatchOptions): Watcher {
    const inner = this.inner.watch(key, opts);
    const self = this;
    let stopped = false;
    return {
      stop() {
        stopped = true;
        inner.stop();
      },
      async *[Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
        for await (const ev of inner) {
          if (stopped) break;
          if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') {
            yield ev;
            continue;
          }
          try {
            const object = await self.out(ev.object);
            const prevObject = ev.prevObject ? await self.out(ev.prevObject) : undefined;
            // a new event: nothing of the stored (unconverted) form travels with it
            yield prevObject ? { type: ev.type, object, prevObject } : { type: ev.type, object };
          } catch (e) {
            yield { type: 'ERROR', object: ev.object, error: errors.internal(e as Error) };
            inner.stop();
            return;
          }
        }
      },
    };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    // the backend is shared: its owner closes it
    return Promise.resolve();
  }
}

function sameExceptResourceVersion(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => ({ ...o, metadata: o.metadata ? { ...o.metadata, resourceVersion: undefined } : o.metadata });
  return jsonEqual(strip(a), strip(b));
}
