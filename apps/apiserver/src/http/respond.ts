/**
 * Writing responses: objects as JSON (or YAML when asked), Status bodies for errors, and the
 * headers upstream sends. Used by filters and handlers alike.
 */
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { errors, isStatusError, Status, StatusError } from '../../../../libs/apimachinery/src/status';
import type { RequestContext } from './context';

export type MediaType = 'json' | 'yaml';

/** Pick the response encoding from the Accept header (JSON unless YAML is preferred). */
export function negotiate(accept: string | undefined): MediaType | null {
  if (!accept) return 'json';
  for (const part of accept.split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === '') return 'json';
    if (type === 'application/yaml') return 'yaml';
    if (type === 'application/json;stream=watch' || type === 'application/vnd.kubernetes.protobuf') continue;
  }
  // protobuf-only clients fall back to JSON as upstream does for types without protobuf;
  // anything else we cannot serve.
  if (/application\/vnd\.kubernetes\.protobuf/.test(accept)) return 'json';
  return null;
}

function applyWarnings(ctx: RequestContext | undefined, res: ServerResponse): void {
  if (!ctx || ctx.warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`),
  );
}

export function writeObject(ctx: RequestContext, code: number, obj: unknown): void {
  const res = ctx.res;
  if (res.headersSent || res.writableEnded) return;
  const media = negotiate(ctx.req.headers.accept as string | undefined) ?? 'json';
  applyWarnings(ctx, res);
  if (media === 'yaml') {
    const body = toYaml(obj);
    ctx.responseBytes = Buffer.byteLength(body);
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': ctx.responseBytes });
    res.end(body);
    return;
  }
  const body = JSON.stringify(obj);
  ctx.responseBytes = Buffer.byteLength(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': ctx.responseBytes,
  });
  res.end(body);
}

/** Write a Status body on the raw response (usable before a RequestContext exists). */
export function writeStatusRaw(res: ServerResponse, status: Status, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = JSON.stringify(status);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
  };
  if (status.details?.retryAfterSeconds) headers['Retry-After'] = String(status.details.retryAfterSeconds);
  res.writeHead(status.code, headers);
  res.end(body);
}

/** Turn any thrown value into an upstream Status response. Unknown errors become 500 InternalError. */
export function writeError(ctx: RequestContext, err: unknown): void {
  const se: StatusError = isStatusError(err) ? err : errors.internal(err);
  if (!isStatusError(err)) {
    // never leak a stack to the client; log it for operators
    console.error(`[apiserver] internal error on ${ctx.method} ${ctx.path}:`, err);
  }
  applyWarnings(ctx, ctx.res);
  writeStatusRaw(ctx.res, se.toStatus());
}
