/**
 * Response bodies the filters send, byte-compatible with upstream's: Status objects with
 * upstream's field order (and `details: {}` where upstream sends it), and the plain-text errors
 * Go's http.Error produces in the few places upstream uses it.
 */
import type { ServerResponse } from 'node:http';
import type { Status, StatusDetails, StatusReason } from '../../../../libs/apimachinery/src/status';
import { writeStatusRaw } from '../http/respond';
import type { RequestContext } from '../http/context';

/** A Failure Status in upstream's field order; `details` is included whenever given, even empty. */
export function failureStatus(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return details
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code }
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export function writeStatus(ctx: RequestContext, status: Status, extraHeaders: Record<string, string> = {}): void {
  writeStatusRaw(ctx.res, status, extraHeaders);
}

/** Go's http.Error: text/plain, nosniff, the message plus a newline. */
export function writePlainTextError(res: ServerResponse, code: number, message: string, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(code, {
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** upstream's html-ish sanitizer used on error texts (responsewriters) */
export function sanitize(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** responsewriters.InternalError: `Internal Server Error: "<request URI>": <err>` as text/plain 500. */
export function writeInternalErrorText(ctx: RequestContext, err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  const uri = ctx.req.url ?? ctx.path;
  console.error(`[apiserver] ${ctx.method} ${uri}: ${msg}`);
  writePlainTextError(ctx.res, 500, sanitize(`Internal Server Error: ${JSON.stringify(uri)}: ${msg}`));
}
