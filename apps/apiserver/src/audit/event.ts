/**
 * audit.k8s.io/v1 Event (upstream field names and order) and the helpers that fill it from a
 * request: users as authentication/v1 UserInfo (`username`), objectRef from the RequestInfo,
 * responseStatus from the code and (when the response is a Status) its status/message/reason.
 */
import type { RequestContext, UserInfo } from '../http/context';
import type { AuditLevel, AuditStage } from './policy';

export interface AuditUserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditResponseStatus {
  metadata: Record<string, never>;
  status?: string;
  message?: string;
  reason?: string;
  details?: unknown;
  code: number;
}

export interface AuditEvent {
  kind?: 'Event';
  apiVersion?: 'audit.k8s.io/v1';
  level?: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user?: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: AuditResponseStatus;
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

export function auditUser(u: UserInfo | undefined): AuditUserInfo | undefined {
  if (!u) return undefined;
  const out: AuditUserInfo = { username: u.name };
  if (u.uid) out.uid = u.uid;
  if (u.groups.length > 0) out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

/** Microsecond timestamps as upstream's metav1.MicroTime (RFC 3339 with 6 fractional digits). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The first-stage event (RequestReceived) of a request; later stages copy it. */
export function newEvent(ctx: RequestContext, auditID: string, level: AuditLevel): AuditEvent {
  const info = ctx.info;
  const ev: AuditEvent = {
    level,
    auditID,
    stage: 'RequestReceived',
    requestURI: ctx.req.url ?? ctx.path,
    verb: info.verb,
    user: auditUser(ctx.originalUser ?? ctx.user),
    sourceIPs: sourceIPs(ctx),
    requestReceivedTimestamp: microTime(ctx.receivedAt),
    stageTimestamp: microTime(Date.now()),
  };
  if (ctx.originalUser) ev.impersonatedUser = auditUser(ctx.user);
  const ua = ctx.req.headers['user-agent'];
  if (ua) ev.userAgent = ua;
  if (info.isResourceRequest) {
    const ref: AuditObjectRef = { resource: info.resource };
    if (info.namespace) ref.namespace = info.namespace;
    if (info.name) ref.name = info.name;
    if (info.apiGroup) ref.apiGroup = info.apiGroup;
    ref.apiVersion = info.apiVersion;
    if (info.subresource) ref.subresource = info.subresource;
    ev.objectRef = ref;
  }
  return ev;
}

/** X-Forwarded-For entries, X-Real-Ip, then the peer address (upstream's utilnet.SourceIPs). */
function sourceIPs(ctx: RequestContext): string[] {
  const out: string[] = [];
  const xff = ctx.req.headers['x-forwarded-for'];
  if (typeof xff === 'string') for (const p of xff.split(',')) if (p.trim()) out.push(p.trim());
  const xri = ctx.req.headers['x-real-ip'];
  if (typeof xri === 'string' && xri.trim() && !out.includes(xri.trim())) out.push(xri.trim());
  const remote = ctx.req.socket?.remoteAddress;
  if (remote && !out.includes(remote)) out.push(remote);
  return out;
}

/** responseStatus for a code and, when the body is a Status, its bounded fields (as upstream). */
export function responseStatus(code: number, body?: unknown): AuditResponseStatus {
  const s: AuditResponseStatus = { metadata: {}, code };
  if (typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status') {
    const st = body as { status?: string; message?: string; reason?: string; details?: unknown; code?: number };
    if (st.status) s.status = st.status;
    if (st.message) s.message = st.message;
    if (st.reason) s.reason = st.reason;
    if (st.details !== undefined) s.details = st.details;
    if (typeof st.code === 'number' && st.code !== 0) s.code = st.code;
  }
  return s;
}

/** Drop metadata.managedFields from an object or the items of a list (omitManagedFields). */
export function withoutManagedFields(obj: unknown): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const o = obj as { metadata?: Record<string, unknown>; items?: unknown[] };
  let out: Record<string, unknown> = o as Record<string, unknown>;
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _drop, ...meta } = o.metadata;
    out = { ...out, metadata: meta };
  }
  if (Array.isArray(o.items)) out = { ...out, items: o.items.map(withoutManagedFields) };
  return out;
}

/** The log / webhook wire form: kind and apiVersion first, as upstream's encoder writes them. */
export function wireEvent(ev: AuditEvent): AuditEvent {
  return { kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...ev };
}
