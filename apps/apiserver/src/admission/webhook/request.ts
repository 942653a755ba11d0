/**
 * The admission.k8s.io/v1 AdmissionRequest built from a store's admission attributes and the
 * requesting user (authz/request-user.ts), shared by webhooks and CEL (`request`).
 */
import { randomUUID } from 'node:crypto';
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { AdmissionAttributes } from '../../../../../libs/registry/src/store';
import { addAuditAnnotation } from '../../audit/annotations';
import { currentRequest } from '../../authz/request-user';
import { MatchRequest } from './matching';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind: { group: string; version: string; kind: string };
  requestResource: { group: string; version: string; resource: string };
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object: unknown;
  oldObject: unknown;
  dryRun: boolean;
  options: unknown;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

/**
 * The request as a webhook matched in another version (matchPolicy Equivalent) sees it: `kind`,
 * `resource` and the objects in that version, `requestKind`/`requestResource` as sent.
 */
export interface EquivalentView {
  version: string;
  kind: string;
  object?: KObject;
  oldObject?: KObject;
}

/** converts a group/resource's objects between two served versions (undefined: it cannot in memory) */
export type VersionConverter = (group: string, resource: string, from: string, to: string) => { kind: string; convert(obj: KObject): KObject } | undefined;

/** The view of a request matched in `version` (undefined: the request's own version, or no converter) and the way back. */
export function equivalentViewOf(a: AdmissionAttributes, version: string, converter: VersionConverter | undefined): { view: EquivalentView; back(obj: KObject): KObject } | undefined {
  if (version === a.def.version || !converter) return undefined;
  const to = converter(a.def.group, a.def.plural, a.def.version, version);
  const from = converter(a.def.group, a.def.plural, version, a.def.version);
  if (!to || !from) return undefined;
  const view: EquivalentView = {
    version,
    kind: to.kind,
    object: a.object && a.operation !== 'DELETE' ? to.convert(a.object) : undefined,
    oldObject: a.oldObject ? to.convert(a.oldObject) : undefined,
  };
  return { view, back: (obj) => from.convert(obj) };
}

export function buildAdmissionRequest(a: AdmissionAttributes, view?: EquivalentView): AdmissionRequest {
  const d = a.def;
  const user = currentRequest()?.user ?? { name: 'system:apiserver', groups: ['system:masters'] };
  const requestKind = { group: d.group, version: d.version, kind: d.kind };
  const requestResource = { group: d.group, version: d.version, resource: d.plural };
  const kind = view ? { group: d.group, version: view.version, kind: view.kind } : requestKind;
  const resource = view ? { group: d.group, version: view.version, resource: d.plural } : requestResource;
  const object = view ? view.object : a.object;
  const oldObject = view ? view.oldObject : a.oldObject;
  const name = a.name || a.object?.metadata.name || a.oldObject?.metadata.name || '';
  const req: AdmissionRequest = {
    uid: randomUUID(),
    kind,
    resource,
    ...(a.subresource ? { subResource: a.subresource } : {}),
    requestKind,
    requestResource,
    ...(a.subresource ? { requestSubResource: a.subresource } : {}),
    ...(name ? { name } : {}),
    ...(a.namespace ? { namespace: a.namespace } : {}),
    operation: a.operation,
    userInfo: {
      username: user.name,
      ...(user.uid ? { uid: user.uid } : {}),
      ...(user.groups?.length ? { groups: user.groups } : {}),
      ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
    },
    object: a.operation === 'DELETE' ? null : (object ?? null),
    oldObject: oldObject ?? null,
    dryRun: a.dryRun,
    options: { kind: OPTIONS_KIND[a.operation], apiVersion: 'meta.k8s.io/v1', ...(a.dryRun ? { dryRun: ['All'] } : {}) },
  };
  return req;
}

export function matchRequestOf(a: AdmissionAttributes): MatchRequest {
  return {
    operation: a.operation,
    group: a.def.group,
    version: a.def.version,
    resource: a.def.plural,
    subresource: a.subresource,
    namespaced: a.def.namespaced,
    namespace: a.namespace,
    name: a.name,
    object: a.operation === 'DELETE' ? undefined : a.object,
    oldObject: a.oldObject,
  };
}

/** Adds Warning header values to the current request, when there is one. */
export function addWarnings(warnings: unknown): void {
  if (!Array.isArray(warnings)) return;
  const sink = currentRequest()?.ctx?.warnings;
  if (!sink) return;
  for (const w of warnings) if (typeof w === 'string' && w) sink.push(w);
}

/** Adds an audit annotation to the current request's audit event, when there is one. */
export function annotate(key: string, value: string): void {
  const ctx = currentRequest()?.ctx;
  if (ctx) addAuditAnnotation(ctx, key, value);
}
