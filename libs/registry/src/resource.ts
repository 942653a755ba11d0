/**
 * What the server knows about one resource: its names, scope, storage key, strategy
 * (defaulting, prepare, validation, canonicalization), table columns and field-selector fields.
 * Adding a built-in resource = one ResourceDefinition. Definitions can be added at run time.
 */
import { FieldError } from '../../apimachinery/src/field-errors';
import { KObject } from '../../apimachinery/src/types';
import type { Storage } from '../../storage/src/interface';

export interface ResourceStrategy {
  /** upstream defaulting (SetDefaults_*): run on every decoded create/update body */
  default?(obj: KObject): void;
  /** clear fields users may not set on create (e.g. status) */
  prepareForCreate?(obj: KObject): void;
  /** carry over fields users may not change on update (e.g. status on the main resource) */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** full validation of a new object, excluding metadata (the store validates metadata) */
  validate?(obj: KObject): FieldError[];
  /** validation of an update, excluding metadata; defaults to validate(obj) */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  /** normalize after validation, before storage */
  canonicalize?(obj: KObject): void;
  /** warnings to return in Warning headers */
  warnings?(obj: KObject, old?: KObject): string[];
  /** PUT of a missing object creates it (upstream: true for e.g. nodes, leases... false for most) */
  allowCreateOnUpdate?: boolean;
  /** PUT without metadata.resourceVersion is allowed (default true) */
  allowUnconditionalUpdate?: boolean;
  /** create: fill fields from the requesting user (upstream: a CSR's spec.username/uid/groups/extra) */
  fillFromRequestUser?(obj: KObject, user: RequestUser | undefined): void;
}

/** The authenticated user of a request (user.Info). */
export interface RequestUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * A further subresource that, like status, writes part of the object (upstream: a CSR's
 * `approval`): the store starts from the stored object with the request's status, then calls
 * prepareForUpdate(next, old) and validateUpdate.
 */
export interface SubresourceStrategy {
  /** `desired` is the object as the request wrote it (e.g. pods/ephemeralcontainers takes its spec.ephemeralContainers) */
  prepareForUpdate(obj: KObject, old: KObject, desired?: KObject): void;
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  /** what discovery reports when it differs from the parent (upstream pods/binding: kind Binding, verbs create) */
  discovery?: { kind: string; verbs: string[] };
}

/** Strategy for the status subresource: take status from the new object, everything else from old. */
export interface StatusStrategy {
  prepareForUpdate?(obj: KObject, old: KObject): void;
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
}

export interface ScaleSubresource {
  /** dotted JSON paths */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** path to a metav1.LabelSelector (e.g. spec.selector) turned into a string in Scale.status.selector */
  labelSelectorPath?: string;
}

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = always shown; 1 = shown with -o wide */
  priority: number;
}

export interface TableConvertor {
  /** first column must be Name */
  columns: TableColumn[];
  /** one value per column */
  cells(obj: KObject, now: Date): unknown[];
}

/**
 * The outcome of an allocation made for one write: commit once the object is stored (e.g.
 * release what the old object held), revert when the write fails (release what was allocated).
 */
export interface AllocationTransaction {
  commit(): Promise<void>;
  revert(): Promise<void>;
}

/**
 * Values a resource takes from pools kept outside the object (Service ClusterIPs and NodePorts).
 * The store calls the hook after validation and admission, right before the storage write, and
 * lets it fill in the allocated fields of the object; dry run must not persist anything.
 */
export interface AllocationHook {
  allocateCreate(obj: KObject, opts: { dryRun: boolean }): Promise<AllocationTransaction>;
  /** called for writes of the main resource only (not status); may run again when CAS retries */
  allocateUpdate(obj: KObject, old: KObject, opts: { dryRun: boolean }): Promise<AllocationTransaction>;
  /** the object is gone from storage: give back what it held */
  release(obj: KObject): Promise<void>;
}

export type NameValidation = 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label' | 'pathSegment';

/** Convert between the served form and the stored form (e.g. events.k8s.io/v1 Event ⇄ core v1 Event). */
export interface StorageConversion {
  toStorage(obj: KObject): KObject;
  fromStorage(obj: KObject): KObject;
}

/** What a definition's `wrapStorage` may call out to (CRD Webhook conversion). */
export interface StorageWrapperEnv {
  /** POSTs `review` to a webhook (url or service reference, caBundle) and resolves to the decoded response body */
  callWebhook(
    clientConfig: { url?: string; service?: { namespace: string; name: string; path?: string; port?: number }; caBundle?: string },
    review: unknown,
    timeoutSeconds: number,
  ): Promise<unknown>;
}

export interface ResourceDefinition {
  group: string;
  version: string;
  kind: string;
  /** defaults to `${kind}List` */
  listKind?: string;
  /** lowercase plural, the URL segment */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** defaults to create, delete, deletecollection, get, list, patch, update, watch */
  verbs?: string[];
  /** key prefix under the etcd prefix, e.g. 'services/specs'; defaults to plural */
  storagePrefix?: string;
  subresources?: { status?: boolean; scale?: ScaleSubresource; others?: Record<string, SubresourceStrategy> };
  /** subresources answered by dedicated handlers, listed in discovery only (e.g. serviceaccounts/token → authentication.k8s.io/v1 TokenRequest) */
  virtualSubresources?: Array<{ name: string; group: string; version: string; kind: string; verbs: string[] }>;
  strategy: ResourceStrategy;
  statusStrategy?: StatusStrategy;
  /** name format (default dns1123Subdomain) */
  nameValidation?: NameValidation;
  /** metadata.generation starts at 1 and increments on changes outside metadata and status */
  tracksGeneration?: boolean;
  table?: TableConvertor;
  /** field-selector fields beyond metadata.name and metadata.namespace, e.g. spec.nodeName */
  selectableFields?(obj: KObject): Record<string, string>;
  conversion?: StorageConversion;
  /**
   * Conversion that needs I/O: the Store's storage backend is wrapped (objects converted to this
   * version on the way out, to the storage version on the way in) by whoever builds the Store
   * (custom resources with Webhook conversion, libs/apiextensions/src/converting-storage.ts).
   */
  wrapStorage?(inner: Storage, env: StorageWrapperEnv): Storage;
  /** the kind's OpenAPI/model type name in @kubernetes/client-node, e.g. 'V1Deployment' */
  modelType?: string;
  /** fields of a body the schema does not know (fieldValidation); custom resources derive them from their CRD schema */
  unknownFields?(obj: KObject): string[];
  /** the kind's OpenAPI schema when there is no client-node model (custom resources: the CRD version's openAPIV3Schema) */
  openAPISchema?: Record<string, unknown>;
  /** DELETE answers with the deleted object instead of a Status (upstream: pods, namespaces...) */
  returnDeletedObject?: boolean;
  /**
   * Graceful deletion: return the grace period (seconds) to wait before the object is removed,
   * or 0 to delete at once. Upstream pods: a scheduled pod gets its grace period.
   */
  gracefulDeletionSeconds?(obj: KObject, requested: number | undefined): number;
  /** allocation of values from shared pools around the storage write (see AllocationHook) */
  allocation?: AllocationHook;
  /**
   * Deletion held by something other than metadata.finalizers (upstream namespaces: spec.finalizers).
   * While `blocks` is true a DELETE only marks the object (deletionTimestamp, then `mark`).
   */
  pendingDeletion?: { blocks(obj: KObject): boolean; mark(obj: KObject): void };
}

export const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function listKindOf(def: ResourceDefinition): string {
  return def.listKind ?? `${def.kind}List`;
}

export function verbsOf(def: ResourceDefinition): string[] {
  return def.verbs ?? DEFAULT_VERBS;
}

export function apiVersionOf(def: ResourceDefinition): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}
