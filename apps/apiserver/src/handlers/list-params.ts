/** LIST/WATCH query parameters: selectors into a predicate, resourceVersion semantics, paging. */
import { assertValidListOptions, parseResourceVersion } from '../../../../libs/apimachinery/src/meta';
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { compileSelectors, storageSelectorHint } from './selectors';
import { ListParams, WatchParams } from '../../../../libs/registry/src/store';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';

export interface ListWatchParams extends ListParams, WatchParams {
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'False' || v === 'FALSE' || v === 'f') return false;
  throw errors.badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

export function parseListParams(q: URLSearchParams, def: ResourceDefinition, namespace: string, watch = false): ListWatchParams {
  const predicate: ((o: KObject) => boolean) | undefined = compileSelectors(q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '', def, namespace);
  const resourceVersion = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const limit = intParam(q, 'limit');
  const cont = q.get('continue') ?? '';
  const sendInitialEvents = boolParam(q, 'sendInitialEvents');
  const allowWatchBookmarks = boolParam(q, 'allowWatchBookmarks') ?? false;
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  assertValidListOptions({ watch, resourceVersion, resourceVersionMatch: match, continue: cont, sendInitialEvents, allowWatchBookmarks });
  // parsed after validation, as upstream's storage layer does. Upstream's watch cache answers a
  // reason-less 500 here (its storage.InvalidError is not mapped); we answer the etcd store's 400
  // everywhere: a malformed request is the client's error.
  parseResourceVersion(resourceVersion, 'resourceVersion', { source: 'etcd' });
  const selector = predicate || namespace ? storageSelectorHint(q.get('labelSelector') ?? '', q.get('fieldSelector') ?? '', namespace) : undefined;
  return {
    predicate,
    ...(selector ? { selector } : {}),
    resourceVersion,
    resourceVersionMatch: (match || undefined) as ListParams['resourceVersionMatch'],
    limit: limit && limit > 0 ? limit : undefined,
    continue: cont || undefined,
    sendInitialEvents,
    allowWatchBookmarks,
    progressNotify: allowWatchBookmarks,
    timeoutSeconds,
  };
}

