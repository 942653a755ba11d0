/**
 * Storage on etcd3, with the semantics of k8s.io/apiserver/pkg/storage/etcd3: objects are JSON
 * under `${prefix}${key}`, resourceVersion is the etcd modRevision, writes are compare-and-swap
 * transactions on modRevision, lists are paged reads at one revision with upstream continue tokens.
 */
import { CompareResult, CompareTarget, Etcd3, ICompare, IKeyValue, IRangeRequest, IRangeResponse, ITxnResponse } from 'etcd3';
import { KObject } from '../../../apimachinery/src/types';
import {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageError,
  TryUpdate,
  UpdateOptions,
  Watcher,
  WatchOptions,
} from '../interface';
import { encodeContinue } from '../continue-token';
import { EXPIRED_CONTINUE_MESSAGE, EXPIRED_LIST_MESSAGE, InconsistentContinueError, storageErrors } from '../errors';
import { checkPreconditions } from '../preconditions';
import { parseResourceVersion } from '../resource-version';
import { decodeObject, encodeObject, readStoredValue, storedValue } from './codec';
import { isCompactedError, isFutureRevisionError, mapEtcdError } from './etcd-errors';
import { EtcdWatch } from './etcd-watch';
import { fullKey, fullPrefix, normalizePrefix, prefixRangeEnd } from './keys';
import { LeaseManager, LeaseManagerConfig } from './lease-manager';
import { registerEtcdStorageClass } from './load';
import { planList } from '../list-plan';

export interface EtcdStorageOptions {
  /** e.g. ['http://127.0.0.1:2379'] (ignored when `client` is given) */
  endpoints: string[];
  /** key prefix, e.g. '/registry' */
  prefix: string;
  /** an existing client (not closed by close()) */
  client?: Etcd3;
  /** page size of unlimited lists and of a watch's initial state (default 1000) */
  listPageSize?: number;
  lease?: LeaseManagerConfig;
  /** compare-and-swap attempts before guaranteedUpdate/delete give up (default 100) */
  maxUpdateAttempts?: number;
  /** a watch whose stream keeps failing for this long ends with ERROR 'Unreachable' (default 30s) */
  watchRetryMs?: number;
}

/** upper bound of one etcd page (upstream's maxLimit) */
const MAX_PAGE = 10_000;
/** first page size when a predicate filters (so selective lists need few round trips) */
const MIN_FILTERED_PAGE = 500;
const NUL = Buffer.from([0]);

/**
 * As upstream's etcd client: no cap on response size (grpc-js defaults to 4 MiB, which one page of
 * big objects exceeds), and keepalive pings so a dead connection does not hang watches forever.
 */
export const DEFAULT_GRPC_OPTIONS = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

interface KeyState {
  /** stored JSON (decrypted), null when the key is absent */
  raw: string | null;
  /** read with an old encryption key: an update must rewrite it even if unchanged */
  stale?: boolean;
  /** modRevision ('0' when absent) */
  rev: string;
}

function stateOf(resp: IRangeResponse | undefined): KeyState {
  const kv = resp?.kvs[0];
  if (!kv) return { raw: null, rev: '0' };
  const { data, stale } = readStoredValue(kv.value, kv.key.toString('utf8'));
  return { raw: data, rev: kv.mod_revision, stale };
}

function modRevisionEquals(key: Buffer, rev: string): ICompare {
  return { key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: rev };
}

export class EtcdStorage implements Storage {
  readonly client: Etcd3;
  /** the normalised prefix, ending in '/' (e.g. '/registry/') */
  readonly pathPrefix: string;
  private readonly ownsClient: boolean;
  private readonly leases: LeaseManager;
  private readonly pageSize: number;
  private readonly maxAttempts: number;
  private readonly watchRetryMs: number | undefined;
  private readonly watchers = new Set<EtcdWatch>();

  constructor(opts: EtcdStorageOptions) {
    this.ownsClient = opts.client === undefined;
    this.client = opts.client ?? new Etcd3({ hosts: opts.endpoints, grpcOptions: DEFAULT_GRPC_OPTIONS });
    this.pathPrefix = normalizePrefix(opts.prefix);
    this.leases = new LeaseManager(this.client, opts.lease);
    this.pageSize = opts.listPageSize ?? 1000;
    this.maxAttempts = opts.maxUpdateAttempts ?? 100;
    this.watchRetryMs = opts.watchRetryMs;
  }

  async get(key: string, opts?: GetOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const rv = opts?.resourceVersion ?? '';
    const minRev = parseResourceVersion(rv, key);
    let resp: IRangeResponse;
    try {
      resp = await this.client.kv.range({ key: Buffer.from(fk), serializable: rv === '0' });
    } catch (e) {
      throw mapEtcdError(e, key, fk);
    }
    this.checkMinimumRevision(key, minRev, resp);
    const kv = resp.kvs[0];
    if (kv === undefined) throw storageErrors.keyNotFound(key, fk);
    return decodeObject(kv.value, kv.mod_revision, fk);
  }

  async create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== '0') {
      throw new StorageError('InvalidObj', key, 'resourceVersion should not be set on objects to be created');
    }
    const data = encodeObject(obj);
    const kb = Buffer.from(fk);
    let resp: ITxnResponse;
    try {
      const lease = await this.leaseFor(opts?.ttlSeconds);
      resp = await this.client.kv.txn({
        compare: [modRevisionEquals(kb, '0')],
        success: [{ request_put: { key: kb, value: storedValue(data, fk), lease } }],
        failure: [],
      });
    } catch (e) {
      throw mapEtcdError(e, key, fk);
    }
    if (!resp.succeeded) throw storageErrors.keyExists(key, fk);
    return decodeObject(data, resp.header.revision, fk);
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const kb = Buffer.from(fk);
    const ignoreNotFound = opts?.ignoreNotFound === true;
    // only etcd calls are mapped to StorageErrors; errors of tryUpdate pass through untouched
    let state = stateOf(await this.call(this.client.kv.range({ key: kb }), key, fk));
    for (let attempt = 1; ; attempt++) {
      if (state.raw === null && !ignoreNotFound) throw storageErrors.keyNotFound(key, fk);
      const current = state.raw === null ? null : decodeObject(state.raw, state.rev, fk);
      checkPreconditions(opts?.preconditions, key, fk, current);
      const updated = await tryUpdate(current);
      const data = encodeObject(updated);
      // upstream skips writes that would not change the stored bytes
      if (state.raw !== null && data === state.raw && !state.stale) return decodeObject(state.raw, state.rev, fk);
      const lease = await this.call(this.leaseFor(opts?.ttlSeconds), key, fk);
      const resp = await this.call(
        this.client.kv.txn({
          compare: [modRevisionEquals(kb, state.rev)],
          success: [{ request_put: { key: kb, value: storedValue(data, fk), lease } }],
          failure: [{ request_range: { key: kb } }],
        }),
        key,
        fk,
      );
      if (resp.succeeded) return decodeObject(data, resp.header.revision, fk);
      if (attempt >= this.maxAttempts) throw storageErrors.conflict(key, fk);
      state = stateOf(resp.responses[0]?.response_range);
    }
  }

  async delete(key: string, opts?: DeleteOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const kb = Buffer.from(fk);
    let state = stateOf(await this.call(this.client.kv.range({ key: kb }), key, fk));
    for (let attempt = 1; ; attempt++) {
      if (state.raw === null) throw storageErrors.keyNotFound(key, fk);
      const current = decodeObject(state.raw, state.rev, fk);
      checkPreconditions(opts?.preconditions, key, fk, current);
      if (opts?.validateDeletion) await opts.validateDeletion(current);
      const resp = await this.call(
        this.client.kv.txn({
          compare: [modRevisionEquals(kb, state.rev)],
          success: [{ request_delete_range: { key: kb } }],
          failure: [{ request_range: { key: kb } }],
        }),
        key,
        fk,
      );
      if (resp.succeeded) {
        // the last state, stamped with the deletion's revision
        if (opts?.validateDeletion) return decodeObject(state.raw, resp.header.revision, fk);
        current.metadata.resourceVersion = resp.header.revision;
        return current;
      }
      if (attempt >= this.maxAttempts) throw storageErrors.conflict(key, fk);
      state = stateOf(resp.responses[0]?.response_range);
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const plan = planList(this.pathPrefix, prefix, opts);
    const { recursive, keyPrefix, rvStr, fromRev, limit, startKey, continuing } = plan;
    let withRev = plan.withRev;
    const pred = opts.predicate;

    const pinned = withRev > 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readList(prefix, keyPrefix, startKey, recursive, withRev, limit, pred, rvStr, fromRev);
      } catch (e) {
        if (!isCompactedError(e)) {
          if (isFutureRevisionError(e) && pinned) throw storageErrors.tooLarge(prefix, withRev, await this.currentRevision());
          throw mapEtcdError(e, prefix, keyPrefix);
        }
        if (continuing) {
          let token: string;
          try {
            token = encodeContinue(startKey, keyPrefix, -1);
          } catch {
            throw storageErrors.expired(prefix, EXPIRED_CONTINUE_MESSAGE);
          }
          throw new InconsistentContinueError(prefix, token);
        }
        // A revision we pinned ourselves (between pages) was compacted: read again at the latest.
        if (pinned || attempt >= 3) throw storageErrors.expired(prefix, EXPIRED_LIST_MESSAGE);
      }
    }
  }

  private async readList(
    prefix: string,
    keyPrefix: string,
    startKey: string,
    recursive: boolean,
    withRev: number,
    limit: number,
    pred: ((obj: KObject) => boolean) | undefined,
    rvStr: string,
    minRev: number,
  ): Promise<ListResult> {
    let pageSize: number;
    if (!recursive) pageSize = 0;
    else if (pred) pageSize = Math.min(Math.max(limit, MIN_FILTERED_PAGE), MAX_PAGE);
    else if (limit > 0) pageSize = Math.min(limit, MAX_PAGE);
    else pageSize = this.pageSize;

    const req: IRangeRequest = {
      key: Buffer.from(startKey),
      range_end: recursive ? prefixRangeEnd(Buffer.from(keyPrefix)) : undefined,
      limit: pageSize,
      revision: withRev,
      // resourceVersion '0' means "any": a member-local read is fine for the first page
      serializable: withRev === 0 && rvStr === '0',
    };
    const items: KObject[] = [];
    let firstCount = -1;
    let lastKey: Buffer | undefined;
    let hasMore = false;
    for (;;) {
      const resp = await this.client.kv.range(req);
      if (firstCount < 0) {
        this.checkMinimumRevision(prefix, minRev, resp);
        firstCount = Number(resp.count);
        if (withRev === 0) {
          withRev = Number(resp.header.revision);
          req.revision = withRev;
          req.serializable = false;
        }
      }
      hasMore = resp.more;
      const kvs: IKeyValue[] = resp.kvs;
      if (kvs.length === 0 && hasMore) throw new Error('no results were found, but etcd indicated there were more values remaining');
      for (let i = 0; i < kvs.length; i++) {
        if (limit > 0 && items.length >= limit) {
          hasMore = true;
          break;
        }
        const kv = kvs[i];
        lastKey = kv.key;
        const obj = decodeObject(kv.value, kv.mod_revision, kv.key.toString('utf8'));
        if (pred === undefined || pred(obj)) items.push(obj);
      }
      if (!hasMore || !recursive) break;
      if (limit > 0 && items.length >= limit) break;
      if (pred && pageSize < MAX_PAGE) {
        pageSize = Math.min(pageSize * 2, MAX_PAGE);
        req.limit = pageSize;
      }
      req.key = Buffer.concat([lastKey as Buffer, NUL]);
    }

    const result: ListResult = { items, resourceVersion: String(withRev) };
    if (hasMore && lastKey !== undefined) {
      result.continue = encodeContinue(`${lastKey.toString('utf8')}\u0000`, keyPrefix, withRev);
      // the count of keys from the start key covers filtered-out items too: only report it unfiltered
      if (pred === undefined) result.remainingItemCount = Math.max(firstCount - items.length, 0);
    }
    return result;
  }

  watch(key: string, opts: WatchOptions = {}): Watcher {
    const recursive = opts.recursive !== false;
    const rvStr = opts.resourceVersion ?? '';
    const startRev = parseResourceVersion(rvStr, key, '');
    const fk = recursive ? fullPrefix(this.pathPrefix, key) : fullKey(this.pathPrefix, key);
    const w: EtcdWatch = new EtcdWatch({
      client: this.client,
      key,
      fullKey: fk,
      rangeEnd: recursive ? prefixRangeEnd(Buffer.from(fk)) : undefined,
      startRev,
      serializableInitialRead: rvStr === '0',
      progressNotify: opts.progressNotify === true,
      pageSize: this.pageSize,
      maxRetryMs: this.watchRetryMs,
      onStop: () => this.watchers.delete(w),
    });
    this.watchers.add(w);
    return w;
  }

  async count(prefix: string): Promise<number> {
    const fp = fullPrefix(this.pathPrefix, prefix);
    const kb = Buffer.from(fp);
    try {
      const resp = await this.client.kv.range({ key: kb, range_end: prefixRangeEnd(kb), count_only: true });
      return Number(resp.count);
    } catch (e) {
      throw mapEtcdError(e, prefix, fp);
    }
  }

  async currentRevision(): Promise<number> {
    try {
      const resp = await this.client.kv.range({ key: Buffer.from(this.pathPrefix), count_only: true });
      return Number(resp.header.revision);
    } catch (e) {
      throw mapEtcdError(e, '', this.pathPrefix);
    }
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: false });
    } catch (e) {
      if (isCompactedError(e)) return; // already compacted at or past this revision
      if (isFutureRevisionError(e)) throw storageErrors.tooLarge('', revision, await this.currentRevision());
      throw mapEtcdError(e, '', this.pathPrefix);
    }
  }

  async close(): Promise<void> {
    for (const w of [...this.watchers]) w.stop();
    this.watchers.clear();
    if (this.ownsClient) this.client.close();
  }

  /** Awaits an etcd call, turning transport failures into StorageError 'Unreachable'. */
  private async call<T>(p: Promise<T>, key: string, fk: string): Promise<T> {
    try {
      return await p;
    } catch (e) {
      throw mapEtcdError(e, key, fk);
    }
  }

  private checkMinimumRevision(key: string, minRev: number, resp: IRangeResponse): void {
    if (minRev > 0) {
      const current = Number(resp.header.revision);
      if (current < minRev) throw storageErrors.tooLarge(key, minRev, current);
    }
  }

  private async leaseFor(ttlSeconds: number | undefined): Promise<string | undefined> {
    return ttlSeconds !== undefined && ttlSeconds > 0 ? this.leases.getLease(Math.ceil(ttlSeconds)) : undefined;
  }
}

registerEtcdStorageClass(EtcdStorage);
