/**
 * Audit (upstream's WithAudit): every request gets an Audit-Id (the client's `Audit-ID` header if
 * given, else a new UUID) in the response headers. With an AuditSink, the policy (sink.policy, else
 * Metadata for everything) picks the level from the authenticated user and the RequestInfo; the
 * sink receives RequestReceived, ResponseStarted (long-running requests, when the response starts),
 * then ResponseComplete — or Panic when the handler threw something other than a StatusError —
 * minus the stages the policy omits. Request bodies are kept from level Request, response bodies
 * at RequestResponse (not for long-running requests); a Status response fills responseStatus.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE } from '../../../../libs/protobuf/src';
import type { Filter, RequestContext } from '../http/context';
import { auditAnnotationsOf } from '../audit/annotations';
import { auditUser, microTime, newEvent, responseStatus, withoutManagedFields, type AuditEvent } from '../audit/event';
import { AUDIT_LEVELS, evaluatePolicy, METADATA_POLICY, type AuditLevel, type AuditStage } from '../audit/policy';
import type { AuditSink } from './types';

/** request/response bodies kept for the audit event up to this size */
const MAX_CAPTURE = 3 * 1024 * 1024;

function atLeast(level: AuditLevel, min: AuditLevel): boolean {
  return AUDIT_LEVELS.indexOf(level) >= AUDIT_LEVELS.indexOf(min);
}

/** A body as an object, by its media type (JSON, YAML, Kubernetes protobuf); undefined if it is none. */
function parseBody(chunks: Buffer[] | undefined, contentType: unknown): unknown {
  if (!chunks || chunks.length === 0) return undefined;
  const body = Buffer.concat(chunks);
  const media = typeof contentType === 'string' ? contentType.split(';')[0].trim().toLowerCase() : '';
  try {
    if (media === PROTOBUF_MEDIA_TYPE) return decodeKubernetesProtobuf(body);
    if (media === 'application/yaml') return parseYaml(body.toString('utf8')) as unknown;
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Collect the request body as the handler reads it (without changing how the stream flows). */
function captureRequest(ctx: RequestContext): Buffer[] {
  const chunks: Buffer[] = [];
  let size = 0;
  const req = ctx.req;
  const emit = req.emit;
  if (typeof emit !== 'function') return chunks;
  req.emit = function (this: typeof req, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'data' && size <= MAX_CAPTURE) {
      const c = args[0];
      const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
      size += b.length;
      if (size <= MAX_CAPTURE) chunks.push(b);
      else chunks.length = 0;
    }
    return emit.call(this, event, ...args);
  } as typeof req.emit;
  return chunks;
}

/**
 * Collect the response body; call onStart once before the response's first bytes or head, and
 * onEnd just before the response ends (so the event is recorded before the client has the answer).
 */
function captureResponse(ctx: RequestContext, keepBody: () => boolean, onStart?: (code: number) => void, onEnd?: () => void): Buffer[] {
  const res = ctx.res;
  const chunks: Buffer[] = [];
  let size = 0;
  let started = false;
  const start = (code?: number) => {
    if (started) return;
    started = true;
    onStart?.(code ?? res.statusCode);
  };
  let inEnd = false;
  const keep = (c: unknown, enc?: unknown) => {
    if (inEnd || !keepBody() || c === undefined || c === null || typeof c === 'function' || size > MAX_CAPTURE) return;
    const b = Buffer.isBuffer(c) ? c : c instanceof Uint8Array ? Buffer.from(c) : Buffer.from(String(c), typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8');
    size += b.length;
    if (size <= MAX_CAPTURE) chunks.push(b);
    else chunks.length = 0;
  };
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: unknown[]) {
    start(typeof args[0] === 'number' ? args[0] : undefined);
    return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
  } as typeof res.writeHead;
  const write = res.write;
  res.write = function (this: typeof res, ...args: unknown[]) {
    start();
    keep(args[0], args[1]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof res.write;
  const end = res.end;
  res.end = function (this: typeof res, ...args: unknown[]) {
    start();
    keep(args[0], args[1]);
    if (typeof args[0] !== 'function') onEnd?.();
    inEnd = true; // an end() that calls this.write() must not capture the chunk twice
    try {
      return (end as (...a: unknown[]) => typeof res).apply(this, args);
    } finally {
      inEnd = false;
    }
  } as typeof res.end;
  const flushHeaders = res.flushHeaders;
  if (typeof flushHeaders === 'function') {
    res.flushHeaders = function (this: typeof res) {
      start();
      return flushHeaders.call(this);
    };
  }
  return chunks;
}

export function withAudit(sink?: AuditSink): Filter {
  return (next) => async (ctx) => {
    const given = ctx.req.headers['audit-id'];
    const auditID = typeof given === 'string' && given !== '' ? given : randomUUID();
    if (!ctx.res.headersSent) ctx.res.setHeader('Audit-Id', auditID);
    if (!sink) return next(ctx);
    const rc = evaluatePolicy(sink.policy ?? METADATA_POLICY, ctx.user, ctx.info);
    if (rc.level === 'None') return next(ctx);
    const omit = new Set<AuditStage>(rc.omitStages);
    const base = newEvent(ctx, auditID, rc.level);
    const pending: Promise<void>[] = [];
    const emit = (stage: AuditStage, extra: Partial<AuditEvent> = {}) => {
      if (omit.has(stage)) return;
      try {
        const r = sink.processEvent({ ...base, ...extra, stage, stageTimestamp: microTime(Date.now()) });
        if (r instanceof Promise) pending.push(r.catch((e: unknown) => console.error('[apiserver] audit backend failed:', e)));
      } catch (e) {
        console.error('[apiserver] audit sink failed:', e);
      }
    };
    emit('RequestReceived');
    const reqChunks = atLeast(rc.level, 'Request') ? captureRequest(ctx) : undefined;
    let thrown: unknown;
    let threw = false;
    let completed = false;
    const complete = () => {
      if (completed) return;
      completed = true;
      if (ctx.originalUser) base.impersonatedUser = auditUser(ctx.user);
      const extra: Partial<AuditEvent> = {};
      const annotations = auditAnnotationsOf(ctx);
      if (annotations) extra.annotations = annotations;
      const strip = (o: unknown) => (rc.omitManagedFields ? withoutManagedFields(o) : o);
      if (reqChunks) {
        const obj = parseBody(reqChunks, ctx.req.headers['content-type']);
        if (obj !== undefined) extra.requestObject = strip(obj);
      }
      if (threw && !isStatusError(thrown)) {
        extra.responseStatus = {
          metadata: {},
          status: 'Failure',
          message: `APIServer panic'd: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          reason: 'InternalError',
          code: 500,
        };
        emit('Panic', extra);
        return;
      }
      const statusThrown = threw && !ctx.res.headersSent && isStatusError(thrown) ? thrown : undefined;
      const body = statusThrown ? statusThrown.toStatus() : parseBody(resChunks, ctx.res.getHeader('content-type'));
      extra.responseStatus = responseStatus(statusThrown ? statusThrown.code : ctx.res.statusCode, body);
      if (rc.level === 'RequestResponse' && body !== undefined && !ctx.longRunning) extra.responseObject = strip(body);
      emit('ResponseComplete', extra);
    };
    // whole bodies at RequestResponse; below, only error responses (their Status fills responseStatus)
    const keepBody = () => !ctx.longRunning && (rc.level === 'RequestResponse' || ctx.res.statusCode >= 300);
    const resChunks = captureResponse(
      ctx,
      keepBody,
      ctx.longRunning
        ? (code) => {
            if (ctx.originalUser) base.impersonatedUser = auditUser(ctx.user);
            emit('ResponseStarted', { responseStatus: responseStatus(code) });
          }
        : undefined,
      complete,
    );
    try {
      await next(ctx);
    } catch (e) {
      threw = true;
      thrown = e;
      throw e;
    } finally {
      complete();
      if (pending.length > 0) await Promise.all(pending);
    }
  };
}
