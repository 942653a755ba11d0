/**
 * metadata.managedFields: who owns which fields (k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager
 * and structured-merge-diff's merge.Updater).
 *
 * - `trackUpdate` records a non-apply write (create, update, patch, status/scale writes): the
 *   fields the write changed become the manager's (an `Update` entry per manager + apiVersion +
 *   subresource), and are taken from every other manager; removed fields leave every set.
 * - `applyConfiguration` is server-side apply: merge the configuration into the live object, give
 *   the applier exactly the configuration's fields (an `Apply` entry per manager), prune what it
 *   applied before and nobody owns any more, and fail with 409 on fields other managers own with
 *   different values unless forced.
 * Pure in their inputs; both return the new object with its managedFields set.
 */
import { StatusError } from '../../../apimachinery/src/status';
import { KObject, ManagedFieldsEntry } from '../../../apimachinery/src/types';
import { FieldSet, pathString } from './fieldpath';
import { compare, jsonEqual, toFieldSet } from './field-sets';
import { mergeValues, removeFields } from './merge';
import { SsaType } from './schema';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

type Managers = Map<string, Entry>;

export interface TrackOptions {
  /** the request's field manager (fieldManager, else derived from the User-Agent) */
  manager: string;
  /** the apiVersion the request was served at, e.g. 'apps/v1' */
  apiVersion: string;
  /** '' for the resource, 'status' or 'scale' for those subresources */
  subresource?: string;
  /** the schema of the object (schema.rootType(def.modelType)) */
  type: SsaType;
  /** the fields this endpoint resets (status for the resource, spec for /status): never owned */
  ignored?: FieldSet;
  /** the timestamp to record (default now, RFC 3339 seconds) */
  now?: string;
}

export interface ApplyOptions extends TrackOptions {
  force?: boolean;
  /** run on the merged object before it is compared with the live one (defaulting) */
  finalize?: (obj: KObject) => void;
}

const nowTimestamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** BuildManagerIdentifier: manager, operation, apiVersion (Update only), subresource. */
function managerId(e: { manager: string; operation: string; apiVersion: string; subresource?: string }): string {
  const o: Record<string, string> = {};
  if (e.manager) o.manager = e.manager;
  if (e.operation) o.operation = e.operation;
  if (e.operation !== 'Apply' && e.apiVersion) o.apiVersion = e.apiVersion;
  if (e.subresource) o.subresource = e.subresource;
  return JSON.stringify(o);
}

/** Decode metadata.managedFields; undefined when it is absent, empty or malformed. */
export function decodeManagedFields(list: unknown): Managers | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Managers = new Map();
  try {
    for (const raw of list as ManagedFieldsEntry[]) {
      if (raw === null || typeof raw !== 'object') return undefined;
      if (raw.fieldsType !== 'FieldsV1') return undefined;
      const e: Entry = {
        manager: raw.manager ?? '',
        operation: raw.operation ?? '',
        apiVersion: raw.apiVersion ?? '',
        set: FieldSet.fromFieldsV1(raw.fieldsV1 ?? {}),
      };
      if (raw.time) e.time = raw.time;
      if (raw.subresource) e.subresource = raw.subresource;
      const id = managerId(e);
      const prev = out.get(id);
      if (prev) {
        prev.set = prev.set.union(e.set);
        if (e.time && (!prev.time || e.time > prev.time)) prev.time = e.time;
      } else out.set(id, e);
    }
  } catch {
    return undefined;
  }
  return out;
}

/** Encode, sorted as upstream: operation (Apply first), time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()].filter((e) => !e.set.empty());
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) / 1000 : 0;
    const qt = q.time ? Date.parse(q.time) / 1000 : 0;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? '') < (q.subresource ?? '') ? -1 : (p.subresource ?? '') > (q.subresource ?? '') ? 1 : 0;
  });
  return entries.map((e) => {
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

function withoutManagedFields(obj: KObject | undefined): KObject {
  if (!obj) return { metadata: {} };
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.managedFields;
  return { ...obj, metadata: meta };
}

/**
 * Record a non-apply write of `next` over `live` (undefined for a create) by `opts.manager`.
 * Managed fields sent with the write replace the live ones (as upstream allows, e.g. kubectl's
 * client-side-apply upgrade), except on subresources or when they are empty or malformed.
 */
export function trackUpdate(live: KObject | undefined, next: KObject, opts: TrackOptions): KObject {
  const sub = opts.subresource ?? '';
  const sent = next.metadata?.managedFields as unknown;
  const managers =
    sub === '' && isResetManagedFields(sent)
      ? new Map<string, Entry>()
      : ((sub === '' ? decodeManagedFields(sent) : undefined) ?? decodeManagedFields(live?.metadata?.managedFields) ?? new Map<string, Entry>());
  const liveObj = withoutManagedFields(live);
  const out = withoutManagedFields(next);
  const cmp = compare(live ? liveObj : {}, out, opts.type);
  let changed = cmp.changed;
  let removed = cmp.removed;
  if (opts.ignored) {
    changed = changed.recursiveDifference(opts.ignored);
    removed = removed.recursiveDifference(opts.ignored);
  }
  for (const e of managers.values()) {
    e.set = e.set.difference(changed).recursiveDifference(removed);
  }
  const self = changed.recursiveDifference(removed);
  if (!self.empty()) {
    const entry: Entry = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource: sub || undefined, set: self };
    const id = managerId(entry);
    const prev = managers.get(id);
    entry.set = prev ? prev.set.union(self) : self;
    entry.time = opts.now ?? nowTimestamp();
    managers.set(id, entry);
  }
  setManagedFields(out, managers);
  return out;
}

/** isResetManagedFields: `[]` or `[{}]` sent with a write clears the managed fields. */
function isResetManagedFields(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  if (v.length === 0) return true;
  return v.length === 1 && v[0] !== null && typeof v[0] === 'object' && Object.keys(v[0] as object).length === 0;
}

/** Upstream's cap on Update entries (DefaultMaxUpdateManagers); older ones merge into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;

/** capManagersManager: fold the oldest Update entries into one "ancient-changes" entry per apiVersion. */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, e]) => e.operation !== 'Apply');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const secs = (e: Entry) => (e.time ? Math.floor(Date.parse(e.time) / 1000) : 0);
  updaters.sort(([ia, a], [ib, b]) => secs(a) - secs(b) || (ia < ib ? -1 : ia > ib ? 1 : 0));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const [id, e] = updaters[i];
    const bucketEntry: Entry = { manager: 'ancient-changes', operation: 'Update', apiVersion: e.apiVersion, set: new FieldSet() };
    const bucket = managerId(bucketEntry);
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, id);
      continue;
    }
    if (!managers.has(bucket)) {
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucket, { ...bucketEntry, set: f.set, time: f.time });
    }
    const b = managers.get(bucket)!;
    b.set = e.set.union(b.set);
    b.time = e.time;
    managers.delete(id);
    length--;
  }
}

function setManagedFields(obj: KObject, managers: Managers): void {
  capUpdateManagers(managers);
  const encoded = encodeManagedFields(managers);
  obj.metadata ??= {};
  if (encoded.length > 0) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
}

/** One field another manager owns with a different value. */
export interface Conflict {
  manager: Entry;
  path: string[];
}

/**
 * Server-side apply of `config` over `live` (undefined: the object does not exist yet).
 * Throws the 409 apply conflict (reason Conflict, causes FieldManagerConflict) unless forced.
 */
export function applyConfiguration(live: KObject | undefined, config: KObject, opts: ApplyOptions): KObject {
  try {
    return applyOnce(live, config, opts, !!opts.force);
  } catch (e) {
    if (!(e instanceof ApplyConflicts)) throw e;
    // lastAppliedManager: kubectl taking over from client-side apply may take the fields its
    // last-applied-configuration annotation lists without conflicts
    if (opts.manager !== 'kubectl') throw conflictError(e.conflicts);
    const allowed = lastAppliedFieldSet(live, opts.type);
    if (!allowed) throw conflictError(e.conflicts);
    const remaining = e.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw conflictError(remaining);
    return applyOnce(live, config, opts, true);
  }
}

class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('apply conflicts');
  }
}

function applyOnce(live: KObject | undefined, rawConfig: KObject, opts: ApplyOptions, force: boolean): KObject {
  const managers = decodeManagedFields(live?.metadata?.managedFields) ?? new Map<string, Entry>();
  const config = withoutManagedFields(rawConfig);
  const liveObj = withoutManagedFields(live);
  if (live && managers.size === 0) {
    // skipNonAppliedManager: an object nobody tracked yet is first owned by "before-first-apply"
    let owned = compare({}, liveObj, opts.type).changed;
    if (opts.ignored) owned = owned.recursiveDifference(opts.ignored);
    const e: Entry = { manager: 'before-first-apply', operation: 'Update', apiVersion: opts.apiVersion, set: owned, time: opts.now ?? nowTimestamp() };
    if (!owned.empty()) managers.set(managerId(e), e);
  }
  const merged = mergeValues(live ? liveObj : {}, config, opts.type) as KObject;

  let applied = toFieldSet(config, opts.type);
  if (opts.ignored) applied = applied.recursiveDifference(opts.ignored);
  const entry: Entry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource || undefined, set: applied };
  const id = managerId(entry);
  const last = managers.get(id);
  managers.set(id, entry);

  // prune: what the applier applied last time and nobody owns any more
  if (last && !last.set.empty()) {
    let owned = new FieldSet();
    for (const e of managers.values()) owned = owned.union(e.set);
    const gone = last.set.difference(owned);
    if (!gone.empty()) removeFields(merged, gone, owned, opts.type);
  }
  opts.finalize?.(merged);

  const cmp = compare(live ? liveObj : {}, merged, opts.type);
  let changed = cmp.changed;
  let removed = cmp.removed;
  if (opts.ignored) {
    changed = changed.recursiveDifference(opts.ignored);
    removed = removed.recursiveDifference(opts.ignored);
  }
  const conflicts: Conflict[] = [];
  const taken = new Map<string, FieldSet>();
  for (const [mid, e] of [...managers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (mid === id) continue;
    const c = e.set.intersection(changed);
    if (!c.empty()) {
      taken.set(mid, c);
      for (const p of c.paths()) conflicts.push({ manager: e, path: p });
    }
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflicts(conflicts);
  for (const [mid, e] of managers) {
    if (mid === id) continue;
    const c = taken.get(mid);
    e.set = (c ? e.set.difference(c) : e.set).recursiveDifference(removed);
  }
  const objectChanged = !live || !jsonEqual(liveObj, merged);
  entry.time = objectChanged || !last?.time ? (opts.now ?? nowTimestamp()) : last.time;

  // lastAppliedUpdater: kubectl's server-side apply keeps a client-side annotation in sync
  const liveAnn = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (opts.manager === 'kubectl' && liveAnn) {
    merged.metadata ??= {};
    merged.metadata.annotations = { ...(merged.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: buildLastApplied(config) };
  }
  setManagedFields(merged, managers);
  return merged;
}

function lastAppliedFieldSet(live: KObject | undefined, type: SsaType): FieldSet | undefined {
  const ann = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!ann) return undefined;
  try {
    const obj = JSON.parse(ann) as unknown;
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
    return toFieldSet(obj, type);
  } catch {
    return undefined;
  }
}

/** The configuration without the annotation, as Go's JSON encoder writes it (sorted keys, newline). */
function buildLastApplied(config: KObject): string {
  const copy = JSON.parse(JSON.stringify(config)) as KObject;
  if (copy.metadata?.annotations) delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
  return `${sortedJson(copy)}\n`;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** internal.printManager */
function printManager(e: Entry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/** internal.NewConflictError: 409 Conflict, one FieldManagerConflict cause per field. */
export function conflictError(conflicts: Conflict[]): StatusError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, { printed: string; paths: string[] }>();
    for (const c of conflicts) {
      const id = managerId(c.manager);
      const g = byManager.get(id) ?? { printed: printManager(c.manager), paths: [] };
      g.paths.push(pathString(c.path));
      byManager.set(id, g);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const g = byManager.get(id)!;
      lines.push(`conflicts with ${g.printed}:`);
      for (const p of g.paths) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/** The manager of a request without fieldManager: the User-Agent up to its first '/' (prefixFromUserAgent). */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const head = (userAgent ?? '').split('/')[0];
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
    const len = Buffer.byteLength(ch);
    if (bytes + len > 128) break;
    out += ch;
    bytes += len;
  }
  return out;
}
