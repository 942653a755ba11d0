/**
 * The wire format of the watch-cache service: proto/watchcache/v1/watchcache.proto loaded with
 * protobufjs, and grpc-js method definitions built from it (no code generation). Objects travel
 * as JSON bytes.
 */
import { join } from 'node:path';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { KObject } from '../../apimachinery/src/types';
import { StorageError, StorageErrorCode } from '../../storage/src/interface';
import { findProtoFile } from '../../protobuf/src/proto-file';

const PROTO_REL = join('proto', 'watchcache', 'v1', 'watchcache.proto');

/** proto/ lives at the repository root: found upward from this file (source or dist/). */
export function protoPath(): string {
  return findProtoFile(PROTO_REL, __dirname);
}

let root: protobuf.Root | undefined;
function types() {
  root ??= protobuf.loadSync(protoPath());
  const t = (n: string) => root!.lookupType(`kubernest.watchcache.v1.${n}`);
  return {
    WatchRequest: t('WatchRequest'),
    WatchEvent: t('WatchEvent'),
    ListRequest: t('ListRequest'),
    ListResponse: t('ListResponse'),
    RevisionRequest: t('RevisionRequest'),
    RevisionResponse: t('RevisionResponse'),
    FreshRequest: t('FreshRequest'),
    FreshResponse: t('FreshResponse'),
  };
}
let cached: ReturnType<typeof types> | undefined;
const T = () => (cached ??= types());

// ---- plain message shapes -----------------------------------------------------------------------

export interface Selector {
  labelSelector?: string;
  fieldSelector?: string;
  namespace?: string;
  /** field label -> dotted object path it reads */
  fieldPaths?: Record<string, string>;
}

export interface WatchRequest {
  key: string;
  recursive?: boolean;
  resourceVersion?: string;
  progressNotify?: boolean;
  selector?: Selector;
}

export type WireEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
const EVENT_TYPES: WireEventType[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

export interface WireStatus {
  code: number;
  reason: string;
  message: string;
  requested?: number;
  current?: number;
}

export interface WatchEvent {
  type: WireEventType;
  key: string;
  revision: number;
  object?: Buffer;
  prevObject?: Buffer;
  error?: WireStatus;
}

export interface ListRequest {
  key: string;
  recursive?: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
  selector?: Selector;
  cacheOnly?: boolean;
}

export interface ListResponse {
  items: { key: string; object: Buffer }[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
  hasRemainingItemCount?: boolean;
}

export interface RevisionRequest {
  prefix: string;
}
export interface RevisionResponse {
  revision: number;
  ready: boolean;
}
export interface FreshRequest {
  prefix: string;
  timeoutMs?: number;
}
export interface FreshResponse {
  fresh: boolean;
  revision: number;
}

// ---- codecs -------------------------------------------------------------------------------------

function encoder(type: () => protobuf.Type) {
  return (v: object): Buffer => {
    const t = type();
    return Buffer.from(t.encode(t.fromObject(v as Record<string, unknown>)).finish());
  };
}

function decoder<R>(type: () => protobuf.Type, fix: (o: Record<string, unknown>) => R) {
  return (b: Buffer): R => {
    const t = type();
    const o = t.toObject(t.decode(b), { longs: Number, enums: String, defaults: true, bytes: Buffer }) as Record<string, unknown>;
    return fix(o);
  };
}

const num = (v: unknown) => Number(v ?? 0);
const buf = (v: unknown) => (v instanceof Uint8Array && v.length > 0 ? Buffer.from(v.buffer, v.byteOffset, v.length) : undefined);

export const encodeWatchEvent = (ev: WatchEvent): Buffer =>
  encoder(() => T().WatchEvent)({ ...ev, type: EVENT_TYPES.indexOf(ev.type) });

export const codecs = {
  WatchRequest: { encode: encoder(() => T().WatchRequest), decode: decoder(() => T().WatchRequest, (o) => o as unknown as WatchRequest) },
  WatchEvent: {
    /** a pre-encoded event (Buffer) passes through: encode once, share across streams */
    encode: (v: WatchEvent | Buffer): Buffer => (Buffer.isBuffer(v) ? v : encodeWatchEvent(v)),
    decode: decoder(
      () => T().WatchEvent,
      (o): WatchEvent => {
        const err = o.error as Record<string, unknown> | undefined;
        const ev: WatchEvent = { type: o.type as WireEventType, key: String(o.key ?? ''), revision: num(o.revision) };
        const ob = buf(o.object);
        if (ob) ev.object = ob;
        const pb = buf(o.prevObject);
        if (pb) ev.prevObject = pb;
        if (err && (err.code || err.message)) {
          ev.error = { code: num(err.code), reason: String(err.reason ?? ''), message: String(err.message ?? ''), requested: num(err.requested), current: num(err.current) };
        }
        return ev;
      },
    ),
  },
  ListRequest: {
    encode: encoder(() => T().ListRequest),
    decode: decoder(() => T().ListRequest, (o): ListRequest => ({ ...(o as unknown as ListRequest), limit: num(o.limit) })),
  },
  ListResponse: {
    encode: encoder(() => T().ListResponse),
    decode: decoder(
      () => T().ListResponse,
      (o): ListResponse => {
        const res: ListResponse = {
          items: ((o.items as Record<string, unknown>[]) ?? []).map((i) => ({ key: String(i.key ?? ''), object: buf(i.object) ?? Buffer.alloc(0) })),
          resourceVersion: String(o.resourceVersion ?? ''),
        };
        if (o.continue) res.continue = String(o.continue);
        if (o.hasRemainingItemCount) res.remainingItemCount = num(o.remainingItemCount);
        return res;
      },
    ),
  },
  RevisionRequest: { encode: encoder(() => T().RevisionRequest), decode: decoder(() => T().RevisionRequest, (o) => o as unknown as RevisionRequest) },
  RevisionResponse: {
    encode: encoder(() => T().RevisionResponse),
    decode: decoder(() => T().RevisionResponse, (o): RevisionResponse => ({ revision: num(o.revision), ready: Boolean(o.ready) })),
  },
  FreshRequest: {
    encode: encoder(() => T().FreshRequest),
    decode: decoder(() => T().FreshRequest, (o): FreshRequest => ({ prefix: String(o.prefix ?? ''), timeoutMs: num(o.timeoutMs) })),
  },
  FreshResponse: {
    encode: encoder(() => T().FreshResponse),
    decode: decoder(() => T().FreshResponse, (o): FreshResponse => ({ fresh: Boolean(o.fresh), revision: num(o.revision) })),
  },
};

export const SERVICE_PATH = '/kubernest.watchcache.v1.WatchCache';

function method<Req, Res>(
  name: string,
  responseStream: boolean,
  req: { encode(v: Req): Buffer; decode(b: Buffer): Req },
  res: { encode(v: Res): Buffer; decode(b: Buffer): Res },
): MethodDefinition<Req, Res> {
  return {
    path: `${SERVICE_PATH}/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: req.encode,
    requestDeserialize: req.decode,
    responseSerialize: res.encode,
    responseDeserialize: res.decode,
  };
}

export const watchCacheService = {
  Watch: method<WatchRequest, WatchEvent | Buffer>('Watch', true, codecs.WatchRequest, codecs.WatchEvent),
  List: method<ListRequest, ListResponse>('List', false, codecs.ListRequest, codecs.ListResponse),
  CurrentRevision: method<RevisionRequest, RevisionResponse>('CurrentRevision', false, codecs.RevisionRequest, codecs.RevisionResponse),
  WaitFresh: method<FreshRequest, FreshResponse>('WaitFresh', false, codecs.FreshRequest, codecs.FreshResponse),
};
export const watchCacheServiceDefinition = watchCacheService as unknown as ServiceDefinition;

// ---- objects and errors -------------------------------------------------------------------------

export const encodeObject = (o: KObject): Buffer => Buffer.from(JSON.stringify(o));
export const decodeObject = (b: Buffer): KObject => JSON.parse(b.toString('utf8')) as KObject;

/** gRPC metadata key carrying a StorageError as JSON on failed unary calls */
export const STORAGE_ERROR_METADATA = 'x-kubernest-storage-error';

export interface StorageErrorJSON {
  code: StorageErrorCode;
  key: string;
  message: string;
  revisions?: { requested: number; current: number };
}

export function storageErrorToJSON(e: StorageError): StorageErrorJSON {
  return { code: e.code, key: e.key, message: e.message, revisions: e.revisions };
}

export function storageErrorFromJSON(j: StorageErrorJSON): StorageError {
  return new StorageError(j.code, j.key, j.message, j.revisions);
}


