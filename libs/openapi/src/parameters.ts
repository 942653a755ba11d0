/** Query and path parameters of the Kubernetes REST operations, as emitted in the OpenAPI documents. */

export interface ParamSpec {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'integer' | 'boolean';
  description: string;
  required?: boolean;
}

const q = (name: string, type: ParamSpec['type'], description: string): ParamSpec => ({ name, in: 'query', type, description });

export const PARAMS = {
  pretty: q('pretty', 'string', 'If \'true\', the output is pretty printed.'),
  dryRun: q('dryRun', 'string', 'When present, the request is processed but not persisted. Only the value All (process all dry run stages) is valid.'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor or entity making these changes; at most 128 printable characters.'),
  fieldManagerApply: q('fieldManager', 'string', 'Name of the actor or entity making these changes; at most 128 printable characters. Required for apply patches (application/apply-patch+yaml), optional otherwise.'),
  fieldValidation: q('fieldValidation', 'string', 'How to handle unknown or duplicate fields in the request body: Ignore (drop them silently), Warn (drop them and return a Warning header for each; the default) or Strict (fail the request with BadRequest listing them).'),
  force: q('force', 'boolean', 'Force an apply request: re-acquire fields owned by other managers that conflict. Must be unset for non-apply patches.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is deleted; non-negative, zero deletes immediately. Defaults to the per-object value.'),
  ignoreStoreReadError: q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean', 'If true, an object that cannot be read from storage (corrupt data) is deleted unsafely: finalizers and preconditions are ignored. May break the cluster; the default is false.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. Whether dependents are orphaned (adds or removes the "orphan" finalizer). Cannot be combined with propagationPolicy.'),
  propagationPolicy: q('propagationPolicy', 'string', 'Garbage collection policy for dependents: Orphan, Background or Foreground. Cannot be combined with orphanDependents.'),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'Request watch events of type BOOKMARK. Ignored when not watching; bookmarks are sent at the server\'s discretion.'),
  continue: q('continue', 'string', 'Token from a previous paginated list call (metadata.continue) to fetch the next chunk with the same query. An expired token gives 410 ResourceExpired.'),
  fieldSelector: q('fieldSelector', 'string', 'Restrict the returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'Restrict the returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'Maximum number of items to return from a list call; when more exist, metadata.continue is set to fetch the rest.'),
  resourceVersion: q('resourceVersion', 'string', 'Constraint on the resource version the request may be served from; see https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'How resourceVersion is applied to list calls (NotOlderThan or Exact); see https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions. Defaults to unset.'),
  sendInitialEvents: q('sendInitialEvents', 'boolean', 'With watch=true, start the stream with synthetic events for the current state of the collection, followed by a BOOKMARK annotated "k8s.io/initial-events-end": "true".'),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call, regardless of activity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update and remove notifications.'),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } as ParamSpec,
} satisfies Record<string, ParamSpec>;

export function nameParam(kind: string): ParamSpec {
  return { name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` };
}

export const LIST_PARAMS: ParamSpec[] = [
  PARAMS.allowWatchBookmarks,
  PARAMS.continue,
  PARAMS.fieldSelector,
  PARAMS.labelSelector,
  PARAMS.limit,
  PARAMS.resourceVersion,
  PARAMS.resourceVersionMatch,
  PARAMS.sendInitialEvents,
  PARAMS.timeoutSeconds,
  PARAMS.watch,
];

export const WRITE_PARAMS: ParamSpec[] = [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation];

export const PATCH_PARAMS: ParamSpec[] = [PARAMS.dryRun, PARAMS.fieldManagerApply, PARAMS.fieldValidation, PARAMS.force];

export const DELETE_PARAMS: ParamSpec[] = [
  PARAMS.dryRun,
  PARAMS.gracePeriodSeconds,
  PARAMS.ignoreStoreReadError,
  PARAMS.orphanDependents,
  PARAMS.propagationPolicy,
];

export const DELETE_COLLECTION_PARAMS: ParamSpec[] = [
  PARAMS.continue,
  PARAMS.dryRun,
  PARAMS.fieldSelector,
  PARAMS.gracePeriodSeconds,
  PARAMS.ignoreStoreReadError,
  PARAMS.labelSelector,
  PARAMS.limit,
  PARAMS.orphanDependents,
  PARAMS.propagationPolicy,
  PARAMS.resourceVersion,
  PARAMS.resourceVersionMatch,
  PARAMS.sendInitialEvents,
  PARAMS.timeoutSeconds,
];
