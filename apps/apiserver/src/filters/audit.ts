/**
 * Audit hook: every request gets an Audit-Id (the client's `Audit-ID` header if given, else a new
 * UUID) in the response headers, as upstream; when an AuditSink is configured, one ResponseComplete
 * event per request is handed to it. Policy, stages and backends come later.
 */
import { randomUUID } from 'node:crypto';
import type { Filter, RequestContext } from '../http/context';
import type { AuditEvent, AuditSink } from './types';

function buildEvent(ctx: RequestContext, auditID: string, code: number): AuditEvent {
  const info = ctx.info;
  const ev: AuditEvent = {
    auditID,
    stage: 'ResponseComplete',
    requestURI: ctx.req.url ?? ctx.path,
    verb: info.verb,
    user: ctx.originalUser ?? ctx.user,
    sourceIPs: ctx.req.socket?.remoteAddress ? [ctx.req.socket.remoteAddress] : [],
    responseStatus: { code },
    requestReceivedTimestamp: new Date(ctx.receivedAt).toISOString(),
    stageTimestamp: new Date().toISOString(),
  };
  if (ctx.originalUser) ev.impersonatedUser = ctx.user;
  const ua = ctx.req.headers['user-agent'];
  if (ua) ev.userAgent = ua;
  if (info.isResourceRequest) {
    ev.objectRef = { resource: info.resource, apiVersion: info.apiVersion };
    if (info.namespace) ev.objectRef.namespace = info.namespace;
    if (info.name) ev.objectRef.name = info.name;
    if (info.apiGroup) ev.objectRef.apiGroup = info.apiGroup;
    if (info.subresource) ev.objectRef.subresource = info.subresource;
  }
  return ev;
}

export function withAudit(sink?: AuditSink): Filter {
  return (next) => async (ctx) => {
    const given = ctx.req.headers['audit-id'];
    const auditID = typeof given === 'string' && given !== '' ? given : randomUUID();
    if (!ctx.res.headersSent) ctx.res.setHeader('Audit-Id', auditID);
    if (!sink) return next(ctx);
    let threw = false;
    try {
      await next(ctx);
    } catch (e) {
      threw = true;
      throw e;
    } finally {
      const code = threw && !ctx.res.headersSent ? 500 : ctx.res.statusCode;
      try {
        sink.processEvent(buildEvent(ctx, auditID, code));
      } catch (e) {
        console.error('[apiserver] audit sink failed:', e);
      }
    }
  };
}
