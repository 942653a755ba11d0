/**
 * Request info: what a URL addresses, as k8s.io/apiserver's RequestInfoFactory works it out
 * (prefixes `api` (groupless) and `apis`), and the first filter that stores it on the context.
 */
import type { Filter, RequestInfo } from '../http/context';
import { parseFieldSelector, requiresExactMatch } from './field-selector';
import { isLongRunning } from './long-running';
import { writeInternalErrorText } from './responses';

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
/** verbs given as a path segment: /api/v1/watch/..., /api/v1/proxy/... */
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
/** distinguishes namespaces/{name}/status from namespaces/{ns}/{resource} */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export class RequestInfoError extends Error {}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function verbForMethod(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

/** Convert_Slice_string_To_bool: anything but "0"/"false" (any case) is true. */
function queryBool(values: string[]): boolean {
  if (values.length === 0) return false;
  const v = values[0];
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** IsValidPathSegmentName */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

const INT64 = /^[+-]?[0-9]+$/;

/**
 * The name a list/watch is narrowed to by `fieldSelector=metadata.name=<x>`. Upstream only honours
 * it when the whole ListOptions decode; here: fieldSelector parses and limit/timeoutSeconds are integers.
 */
function nameFromFieldSelector(query: URLSearchParams): string {
  const fs = query.get('fieldSelector');
  if (fs === null) return '';
  for (const p of ['limit', 'timeoutSeconds']) {
    const v = query.get(p);
    if (v !== null && v !== '' && !INT64.test(v)) return '';
  }
  let name: string | undefined;
  try {
    name = requiresExactMatch(parseFieldSelector(fs), 'metadata.name');
  } catch {
    return '';
  }
  return name !== undefined && isValidPathSegmentName(name) ? name : '';
}

/**
 * RequestInfoFactory.NewRequestInfo. `path` is the URL path without the query.
 * Throws RequestInfoError for `/api/v1/watch` or `/api/v1/proxy` with nothing after the verb.
 */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let parts = splitPath(path);
  if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return info;
  info.apiPrefix = parts[0];
  parts = parts.slice(1);
  if (!GROUPLESS_API_PREFIXES.has(info.apiPrefix)) {
    if (parts.length < 3) return info;
    info.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[0];
  parts = parts.slice(1);

  if (SPECIAL_VERBS.has(parts[0])) {
    if (parts.length < 2) {
      const qs = query.toString();
      throw new RequestInfoError(`unable to determine kind and namespace from url, ${path}${qs ? `?${qs}` : ''}`);
    }
    info.verb = parts[0];
    parts = parts.slice(1);
  } else {
    info.verb = verbForMethod(method);
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.parts = parts;
  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2];
  if (parts.length >= 2) info.name = parts[1];
  if (parts.length >= 1) info.resource = parts[0];

  if (info.name === '' && info.verb === 'get') {
    info.verb = queryBool(query.getAll('watch')) ? 'watch' : 'list';
    info.name = nameFromFieldSelector(query);
  }
  if (info.name === '' && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

/** First filter: parse the RequestInfo onto ctx.info and mark long-running requests. */
export function withRequestInfo(): Filter {
  return (next) => async (ctx) => {
    try {
      ctx.info = parseRequestInfo(ctx.method, ctx.path, ctx.query);
    } catch (e) {
      writeInternalErrorText(ctx, new Error(`failed to create RequestInfo: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    ctx.longRunning = isLongRunning(ctx.info);
    await next(ctx);
  };
}
