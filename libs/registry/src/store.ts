/**
 * The generic registry store (k8s.io/apiserver/pkg/registry/generic/registry.Store): one class that
 * serves every resource through its ResourceDefinition — system metadata, strategy hooks,
 * validation, preconditions, finalizers, graceful deletion — on top of a Storage backend.
 */
import { withSpan } from '../../tracing/src';
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';
import { errors, StatusError, successStatus } from '../../apimachinery/src/status';
import { deepCopy, GroupResource, KObject } from '../../apimachinery/src/types';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../apimachinery/src/validation';
import { isStorageError, ListResult, SharedStorageEvent, Storage, StorageEvent, Watcher, WatchOptions, WatchSelector, WatchSink } from '../../storage/src/interface';
import { listPrefix, objectKey } from './keys';
import { generateName, jsonEqual, newUid, nowTimestamp, specPart } from './object-meta';
import { AllocationTransaction, apiVersionOf, listKindOf, ResourceDefinition } from './resource';
import { continueExpired, interpretStorageError } from './storage-errors';

export interface WriteOptions {
  dryRun?: boolean;
}

export interface ListParams {
  resourceVersion?: string;
  resourceVersionMatch?: '' | 'NotOlderThan' | 'Exact';
  limit?: number;
  continue?: string;
  predicate?: (obj: KObject) => boolean;
}

export interface DeleteParams extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
}

export interface WatchParams {
  resourceVersion?: string;
  predicate?: (obj: KObject) => boolean;
  /** the selection `predicate` applies, as a hint storage may pre-filter with (see WatchOptions.selector) */
  selector?: WatchSelector;
  sendInitialEvents?: boolean;
  progressNotify?: boolean;
}

export interface ApiWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KObject | Record<string, unknown>;
  /**
   * set when `object` is `shared.object` as served (only for resources without conversion): the
   * same for every watcher of this resource, so the event can be encoded once
   */
  shared?: SharedStorageEvent;
}

export interface ApiWatch extends AsyncIterable<ApiWatchEvent> {
  stop(): void;
  /**
   * Switch to push delivery (see storage Watcher.push): only between two events of the live phase
   * (the caller holds the last event it got and does not wait on the iterator); false = keep
   * iterating.
   */
  push?(sink: WatchSink<ApiWatchEvent>): boolean;
}

/**
 * Admission, as upstream orders it: hooks marked `mutating` (see `mutatingAdmission`) run on the
 * request's object before the strategy prepares and validates it (and may change it); the others
 * (validating admission) run after validation, right before the storage write. Deletes run both.
 */
export type AdmissionHook = ((attrs: AdmissionAttributes) => Promise<void>) & { mutating?: boolean };

export type AdmissionAttributes = {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  def: ResourceDefinition;
  namespace: string;
  name: string;
  subresource: string;
  object?: KObject;
  oldObject?: KObject;
  dryRun: boolean;
};

/** Marks an admission hook as mutating: it runs before validation and may change the object. */
export function mutatingAdmission(hook: (attrs: AdmissionAttributes) => Promise<void>): AdmissionHook {
  return Object.assign(hook, { mutating: true });
}

export type Mutation = (current: KObject) => KObject | Promise<KObject>;

export class Store {
  readonly gr: GroupResource;

  constructor(
    readonly def: ResourceDefinition,
    private readonly storage: Storage,
    private readonly admission: AdmissionHook[] = [],
  ) {
    this.gr = { group: def.group, resource: def.plural };
  }

  // ---- served form <-> stored form ------------------------------------------------------------

  /** The object as served at this definition's version (kind and apiVersion set). */
  toServed(stored: KObject): KObject {
    const obj = this.def.conversion ? this.def.conversion.fromStorage(stored) : stored;
    obj.apiVersion = apiVersionOf(this.def);
    obj.kind = this.def.kind;
    return obj;
  }

  private toStored(obj: KObject): KObject {
    const out = this.def.conversion ? this.def.conversion.toStorage(obj) : obj;
    return out;
  }

  private key(namespace: string, name: string): string {
    return objectKey(this.def, namespace, name);
  }

  private fail(err: unknown, name: string): never {
    throw interpretStorageError(err, this.gr, name);
  }

  private invalid(name: string, errs: FieldError[]): StatusError {
    return errors.invalid(this.def.group, this.def.kind, name, errs);
  }

  /** validating admission (after validation) */
  private async admit(attrs: Omit<AdmissionAttributes, 'def'>): Promise<void> {
    await withSpan('admission.Validate', { 'k8s.operation': attrs.operation, 'k8s.resource': this.def.plural }, async () => {
      for (const hook of this.admission) if (!hook.mutating) await hook({ ...attrs, def: this.def });
    });
  }

  /** mutating admission (before the strategy prepares and validates the object) */
  private async mutate(attrs: Omit<AdmissionAttributes, 'def'>): Promise<void> {
    await withSpan('admission.Mutate', { 'k8s.operation': attrs.operation, 'k8s.resource': this.def.plural }, async () => {
      for (const hook of this.admission) if (hook.mutating) await hook({ ...attrs, def: this.def });
    });
  }

  // ---- reads ----------------------------------------------------------------------------------

  async get(namespace: string, name: string, resourceVersion?: string): Promise<KObject> {
    try {
      return this.toServed(await this.storage.get(this.key(namespace, name), { resourceVersion }));
    } catch (e) {
      this.fail(e, name);
    }
  }

  async list(namespace: string, p: ListParams): Promise<{ apiVersion: string; kind: string; metadata: Record<string, unknown>; items: KObject[] }> {
    let res: ListResult;
    try {
      res = await this.storage.list(listPrefix(this.def, namespace), {
        resourceVersion: p.resourceVersion,
        resourceVersionMatch: p.resourceVersionMatch,
        limit: p.limit,
        continue: p.continue,
        predicate: p.predicate ? (o) => p.predicate!(this.def.conversion ? this.def.conversion.fromStorage(deepCopy(o)) : o) : undefined,
      });
    } catch (e) {
      if (p.continue && isStorageError(e, 'Expired')) throw continueExpired();
      this.fail(e, '');
    }
    const items = res.items.map((o) => {
      const served = this.def.conversion ? this.def.conversion.fromStorage(o) : o;
      delete served.apiVersion;
      delete served.kind;
      return served;
    });
    const metadata: Record<string, unknown> = { resourceVersion: res.resourceVersion };
    if (res.continue) metadata.continue = res.continue;
    if (res.remainingItemCount !== undefined && res.continue) metadata.remainingItemCount = res.remainingItemCount;
    return { apiVersion: apiVersionOf(this.def), kind: listKindOf(this.def), metadata, items };
  }

  // ---- create ---------------------------------------------------------------------------------

  /** Create from a decoded, defaulted body. `namespace` is the request's namespace. */
  async create(namespace: string, body: KObject, opts: WriteOptions = {}): Promise<KObject> {
    const obj = deepCopy(body);
    const meta = (obj.metadata ??= {});
    if (this.def.namespaced) {
      if (meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else if (meta.namespace) {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    await this.mutate({ operation: 'CREATE', namespace, name: meta.name ?? '', subresource: '', object: obj, dryRun: !!opts.dryRun });

    // rest.BeforeCreate
    meta.uid = newUid();
    meta.creationTimestamp = nowTimestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.selfLink;
    if (this.def.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.def.strategy.prepareForCreate?.(obj);

    const errs = [
      ...validateObjectMeta(meta, this.def.namespaced, this.def.nameValidation ?? 'dns1123Subdomain'),
      ...(this.def.strategy.validate?.(obj) ?? []),
    ];
    if (errs.length) throw this.invalid(meta.name ?? '', errs);
    this.def.strategy.canonicalize?.(obj);

    await this.admit({ operation: 'CREATE', namespace, name: meta.name ?? '', subresource: '', object: obj, dryRun: !!opts.dryRun });

    const txn = await this.def.allocation?.allocateCreate(obj, { dryRun: !!opts.dryRun });
    if (opts.dryRun) {
      // existence is still checked, as upstream's dry-run create does
      const exists = await this.storage.get(this.key(namespace, meta.name!)).then(
        () => true,
        (e) => (isStorageError(e, 'KeyNotFound') ? false : this.fail(e, meta.name!)),
      );
      if (exists) throw errors.alreadyExists(this.gr, meta.name!);
      return this.toServed(obj);
    }
    let stored: KObject;
    try {
      stored = await this.storage.create(this.key(namespace, meta.name!), this.toStored(obj));
    } catch (e) {
      await txn?.revert();
      this.fail(e, meta.name!);
    }
    await txn?.commit();
    return this.toServed(stored);
  }

  // ---- update / patch / subresources -----------------------------------------------------------

  /**
   * Read-modify-write. `mutate` receives the current served object and returns the desired one
   * (a PUT body, a patched copy, a status or scale change). Preconditions come from the desired
   * object's metadata.resourceVersion and uid.
   */
  async update(
    namespace: string,
    name: string,
    mutate: Mutation,
    opts: WriteOptions & { subresource?: string; createIfMissing?: (ns: string) => Promise<KObject>; forceAllowCreate?: boolean } = {},
  ): Promise<{ object: KObject; created: boolean }> {
    const subresource = opts.subresource ?? '';
    let created = false;
    let result: KObject | undefined;
    // the allocation of the latest attempt; an attempt lost to a CAS conflict is reverted first
    let txn: AllocationTransaction | undefined;
    const revert = async () => {
      const t = txn;
      txn = undefined;
      await t?.revert();
    };
    const tryUpdate = async (currentStored: KObject | null): Promise<KObject> => {
      await revert();
      if (currentStored === null) {
        throw errors.notFound(this.gr, name);
      }
      const current = this.toServed(deepCopy(currentStored));
      const desired = await mutate(deepCopy(current));
      await this.mutate({ operation: 'UPDATE', namespace, name, subresource, object: desired, oldObject: current, dryRun: !!opts.dryRun });
      const next = this.prepareUpdate(namespace, name, desired, current, subresource);
      await this.admit({ operation: 'UPDATE', namespace, name, subresource, object: next, oldObject: current, dryRun: !!opts.dryRun });
      if (subresource === '' && this.def.allocation) txn = await this.def.allocation.allocateUpdate(next, current, { dryRun: !!opts.dryRun });
      result = next;
      const out = this.toStored(next);
      // upstream skips writes that leave the stored bytes unchanged (Go encodes in a fixed field
      // order); our key order depends on how the object was built, so compare semantically and
      // hand back the stored object, whose encoding the storage recognises as a no-op
      return sameExceptResourceVersion(out, currentStored) ? currentStored : out;
    };
    try {
      if (opts.dryRun) {
        const current = await this.storage.get(this.key(namespace, name));
        await tryUpdate(current);
        await revert();
        return { object: result!, created: false };
      }
      let stored: KObject;
      try {
        stored = await this.storage.guaranteedUpdate(this.key(namespace, name), tryUpdate);
      } catch (e) {
        await revert();
        throw e;
      }
      const done = txn;
      txn = undefined;
      await done?.commit();
      return { object: this.toServed(stored), created };
    } catch (e) {
      const notFound = (e instanceof StatusError && e.code === 404 && e.reason === 'NotFound') || isStorageError(e, 'KeyNotFound');
      if (notFound && opts.createIfMissing) {
        created = true;
        return { object: await this.create(namespace, await opts.createIfMissing(namespace), opts), created };
      }
      this.fail(e, name);
    }
  }

  /** rest.BeforeUpdate + strategy + validation; returns the object to store. */
  private prepareUpdate(namespace: string, name: string, desired: KObject, current: KObject, subresource: string): KObject {
    const meta = (desired.metadata ??= {});
    const old = current.metadata;
    if (meta.name !== undefined && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    if (this.def.namespaced && meta.namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.name = name;
    if (this.def.namespaced) meta.namespace = namespace;
    if (meta.resourceVersion === undefined || meta.resourceVersion === '') {
      if (this.def.strategy.allowUnconditionalUpdate === false) {
        throw this.invalid(name, [fieldErrors.invalid('metadata.resourceVersion', 0, 'must be specified for an update')]);
      }
    } else if (meta.resourceVersion !== old.resourceVersion) {
      throw errors.modified(this.gr, name);
    }
    if (meta.uid && meta.uid !== old.uid) {
      throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${old.uid}`);
    }

    let next = desired;
    const other = subresource === 'status' ? undefined : this.def.subresources?.others?.[subresource];
    if (subresource === 'status' || other) {
      // status strategy: everything but status (and metadata changes to labels/annotations) comes from the old object
      next = { ...deepCopy(current), metadata: meta, status: desired.status };
      if (desired.status === undefined) delete next.status;
      if (other) other.prepareForUpdate(next, current, desired);
      else this.def.statusStrategy?.prepareForUpdate?.(next, current);
    } else if (subresource === '') {
      if (this.def.subresources?.status) {
        if (current.status === undefined) delete next.status;
        else next.status = deepCopy(current.status);
      }
      this.def.strategy.prepareForUpdate?.(next, current);
    }
    // system fields users cannot change
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    // graceful deletion (the internal 'delete' subresource) is the only writer of the deletion fields
    if (subresource !== 'delete') {
      if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
      else delete meta.deletionTimestamp;
      if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
      else delete meta.deletionGracePeriodSeconds;
    }
    if (this.def.tracksGeneration) {
      const gen = typeof old.generation === 'number' ? old.generation : 1;
      const startsDeletion = subresource === 'delete' && !old.deletionTimestamp && !!meta.deletionTimestamp;
      meta.generation = (subresource === '' && !jsonEqual(specPart(next), specPart(current))) || startsDeletion ? gen + 1 : gen;
    } else if (old.generation !== undefined) {
      meta.generation = old.generation;
    } else {
      delete meta.generation;
    }
    delete meta.selfLink;

    // graceful deletion may set the deletion fields; every other writer keeps them (validated as immutable)
    // (and the garbage collector's finalizers, set from propagationPolicy: upstream BeforeDelete)
    const oldMeta =
      subresource === 'delete'
        ? { ...old, deletionTimestamp: meta.deletionTimestamp, deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds, finalizers: meta.finalizers }
        : old;
    const errs = [...validateObjectMetaUpdate(meta, oldMeta)];
    if (subresource === 'status' || other) errs.push(...((other ?? this.def.statusStrategy)?.validateUpdate?.(next, current) ?? []));
    else {
      errs.push(...validateObjectMeta(meta, this.def.namespaced, this.def.nameValidation ?? 'dns1123Subdomain'));
      const v = this.def.strategy.validateUpdate ?? ((o: KObject) => this.def.strategy.validate?.(o) ?? []);
      errs.push(...v(next, current));
    }
    if (errs.length) throw this.invalid(name, dedupe(errs));
    this.def.strategy.canonicalize?.(next);
    meta.resourceVersion = old.resourceVersion;
    return next;
  }

  // ---- delete ---------------------------------------------------------------------------------

  /** Returns the response body: the object (returnDeletedObject, or still present) or a Status. */
  async delete(namespace: string, name: string, p: DeleteParams = {}): Promise<{ body: unknown; stillPresent: boolean }> {
    const key = this.key(namespace, name);
    let current: KObject;
    try {
      current = this.toServed(await this.storage.get(key));
    } catch (e) {
      this.fail(e, name);
    }
    this.checkPreconditions(current, name, p.preconditions);
    await this.mutate({ operation: 'DELETE', namespace, name, subresource: '', oldObject: current, dryRun: !!p.dryRun });
    await this.admit({ operation: 'DELETE', namespace, name, subresource: '', oldObject: current, dryRun: !!p.dryRun });

    const finalizers = gcFinalizers(current.metadata.finalizers ?? [], p.propagationPolicy);
    const grace = this.def.gracefulDeletionSeconds?.(current, p.gracePeriodSeconds) ?? 0;
    if (finalizers.length > 0 || grace > 0 || this.def.pendingDeletion?.blocks(current)) {
      if (p.dryRun) return { body: current, stillPresent: true };
      const { object } = await this.update(namespace, name, (cur) => {
        const m = cur.metadata;
        // propagationPolicy → the garbage collector's finalizers (upstream deletionFinalizersForGarbageCollection)
        const fins = gcFinalizers(m.finalizers ?? [], p.propagationPolicy);
        if (fins.length > 0) m.finalizers = fins;
        else delete m.finalizers;
        this.def.pendingDeletion?.mark(cur);
        if (!m.deletionTimestamp) {
          m.deletionTimestamp = nowTimestamp(new Date(Date.now() + grace * 1000));
          m.deletionGracePeriodSeconds = grace;
        } else if (grace < (m.deletionGracePeriodSeconds ?? 0)) {
          m.deletionGracePeriodSeconds = grace;
        }
        return cur;
      }, { subresource: 'delete' });
      return { body: object, stillPresent: true };
    }
    if (p.dryRun) return { body: this.deletedBody(current), stillPresent: false };
    try {
      const deleted = await this.storage.delete(key, {
        preconditions: { resourceVersion: current.metadata.resourceVersion, uid: p.preconditions?.uid },
      });
      const served = this.toServed(deleted);
      await this.releaseAllocations(served);
      return { body: this.deletedBody(served), stillPresent: false };
    } catch (e) {
      this.fail(e, name);
    }
  }

  /** Best effort, as upstream: a value that fails to come back is found by the repair loop. */
  private async releaseAllocations(obj: KObject): Promise<void> {
    if (!this.def.allocation) return;
    try {
      await this.def.allocation.release(obj);
    } catch (e) {
      console.warn(`failed to release allocations of ${this.gr.resource} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${(e as Error).message}`);
    }
  }

  private deletedBody(obj: KObject): unknown {
    if (this.def.returnDeletedObject) return obj;
    const details: Record<string, unknown> = { name: obj.metadata.name };
    if (this.def.group) details.group = this.def.group;
    details.kind = this.def.plural;
    details.uid = obj.metadata.uid;
    return successStatus(details);
  }

  private checkPreconditions(current: KObject, name: string, pre?: { uid?: string; resourceVersion?: string }): void {
    if (!pre) return;
    if (pre.uid && pre.uid !== current.metadata.uid) {
      throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(
        this.gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      );
    }
  }

  /** After an update removed the last finalizer of an object being deleted, remove it for real. */
  async finishDeletionIfDone(obj: KObject): Promise<boolean> {
    const m = obj.metadata;
    if (!m.deletionTimestamp || (m.finalizers ?? []).length > 0) return false;
    if ((m.deletionGracePeriodSeconds ?? 0) > 0) return false;
    if (this.def.pendingDeletion?.blocks(obj)) return false;
    try {
      const deleted = await this.storage.delete(this.key(m.namespace ?? '', m.name!), { preconditions: { uid: m.uid } });
      await this.releaseAllocations(this.toServed(deleted));
      return true;
    } catch (e) {
      if (isStorageError(e, 'KeyNotFound')) return true;
      throw e;
    }
  }

  async deleteCollection(namespace: string, list: ListParams, p: DeleteParams): Promise<{ apiVersion: string; kind: string; metadata: Record<string, unknown>; items: KObject[] }> {
    const listed = await this.list(namespace, { ...list, limit: undefined, continue: undefined });
    const deleted: KObject[] = [];
    for (const item of listed.items) {
      try {
        await this.delete(item.metadata.namespace ?? namespace, item.metadata.name!, { ...p, preconditions: undefined });
        deleted.push(item);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) continue;
        throw e;
      }
    }
    return { ...listed, items: deleted };
  }

  // ---- watch ----------------------------------------------------------------------------------

  watch(namespace: string, p: WatchParams): ApiWatch {
    return new StoreWatch(this, this.storage, listPrefix(this.def, namespace), p);
  }

  /** Internal: convert a storage event into an API event under a predicate (selector transitions). */
  translate(ev: StorageEvent, predicate?: (o: KObject) => boolean): ApiWatchEvent | null {
    if (ev.type === 'BOOKMARK') {
      return { type: 'BOOKMARK', object: this.bookmark(ev.object.metadata.resourceVersion ?? '') };
    }
    if (ev.type === 'ERROR') {
      const err = interpretStorageError(ev.error, this.gr, '');
      const se = err instanceof StatusError ? err : errors.internal(err);
      return { type: 'ERROR', object: se.toStatus() as unknown as Record<string, unknown> };
    }
    const shared = ev.shared;
    if (shared && !this.def.conversion) {
      // served = stored with apiVersion/kind: decide on the shared object without copying it;
      // the event's own (copied) object is only read if the caller reads it
      const type = predicate ? transition(ev.type, predicate(shared.object), shared.prevObject !== undefined && predicate(shared.prevObject)) : ev.type;
      if (type === null) return null;
      const self = this;
      return {
        type,
        shared: type === shared.type ? shared : undefined,
        get object() {
          return self.toServed(ev.object);
        },
      };
    }
    const cur = this.toServed(ev.object);
    if (!predicate) return { type: ev.type, object: cur };
    const curMatch = predicate(cur);
    const prevMatch = ev.type !== 'ADDED' && !!ev.prevObject && predicate(this.toServed(ev.prevObject));
    const type = transition(ev.type, curMatch, prevMatch);
    return type === null ? null : { type, object: cur };
  }

  bookmark(resourceVersion: string, annotations?: Record<string, string>): Record<string, unknown> {
    const metadata: Record<string, unknown> = { resourceVersion };
    if (annotations) metadata.annotations = annotations;
    return { kind: this.def.kind, apiVersion: apiVersionOf(this.def), metadata };
  }
}

/** A change's type for a watcher with a selector (upstream transitions), null = not seen. */
function transition(type: StorageEvent['type'], cur: boolean, prev: boolean): ApiWatchEvent['type'] | null {
  if (type === 'ADDED') return cur ? 'ADDED' : null;
  if (type === 'DELETED') return prev || cur ? 'DELETED' : null;
  if (cur && prev) return 'MODIFIED';
  if (cur) return 'ADDED';
  if (prev) return 'DELETED';
  return null;
}

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

/**
 * The finalizers an object gets when deleted with `policy` (upstream
 * deletionFinalizersForGarbageCollection): Foreground adds foregroundDeletion and drops orphan,
 * Orphan the reverse, Background drops both, none keeps what is there.
 */
export function gcFinalizers(finalizers: string[], policy: string | undefined): string[] {
  if (!policy) return finalizers;
  const rest = finalizers.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (policy === 'Foreground') return [...rest, FINALIZER_FOREGROUND];
  if (policy === 'Orphan') return [...rest, FINALIZER_ORPHAN];
  return rest;
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${e.detail}|${JSON.stringify(e.value)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * A watch over the store: optional initial state (synthetic ADDED events from a list at one
 * revision, then an initial-events-end bookmark for watch-list), then every change after it.
 */
class StoreWatch implements ApiWatch {
  private stopped = false;
  /** the storage watch, set once the initial events are done */
  private inner?: Watcher;

  constructor(
    private readonly store: Store,
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly p: WatchParams,
  ) {}

  stop(): void {
    this.stopped = true;
    this.inner?.stop();
  }

  push(sink: WatchSink<ApiWatchEvent>): boolean {
    const w = this.inner;
    if (this.stopped || !w?.push) return false;
    return w.push({
      event: (ev) => {
        const out = this.store.translate(ev, this.p.predicate);
        if (out) sink.event(out);
      },
      end: () => sink.end(),
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent> {
    const rv = this.p.resourceVersion ?? '';
    const initial = this.p.sendInitialEvents ?? (rv === '' || rv === '0');
    let from = rv;
    if (initial) {
      let cont: string | undefined;
      let listRv = '';
      do {
        let page: ListResult;
        try {
          page = await this.storage.list(this.prefix, {
            resourceVersion: rv === '' ? '' : rv,
            resourceVersionMatch: rv === '' || rv === '0' ? undefined : 'NotOlderThan',
            limit: 500,
            continue: cont,
          });
        } catch (e) {
          const se = interpretStorageError(e, this.store.gr, '');
          yield { type: 'ERROR', object: (se instanceof StatusError ? se : errors.internal(se)).toStatus() as unknown as Record<string, unknown> };
          return;
        }
        listRv = page.resourceVersion;
        for (const o of page.items) {
          if (this.stopped) return;
          const served = this.store.toServed(o);
          if (!this.p.predicate || this.p.predicate(served)) yield { type: 'ADDED', object: served };
        }
        cont = page.continue;
      } while (cont && !this.stopped);
      if (this.p.sendInitialEvents) {
        yield { type: 'BOOKMARK', object: this.store.bookmark(listRv, { 'k8s.io/initial-events-end': 'true' }) };
      }
      from = listRv;
    }
    if (this.stopped) return;
    const opts: WatchOptions = { resourceVersion: from, recursive: true, progressNotify: this.p.progressNotify };
    if (this.p.selector) opts.selector = this.p.selector;
    const w = this.storage.watch(this.prefix, opts);
    this.inner = w;
    if (this.stopped) {
      w.stop();
      return;
    }
    for await (const ev of w) {
      if (this.stopped) break;
      const out = this.store.translate(ev, this.p.predicate);
      if (out) yield out;
      if (ev.type === 'ERROR') break;
    }
    w.stop();
  }
}

function sameExceptResourceVersion(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => ({ ...o, metadata: o.metadata ? { ...o.metadata, resourceVersion: undefined } : o.metadata });
  return jsonEqual(strip(a), strip(b));
}
