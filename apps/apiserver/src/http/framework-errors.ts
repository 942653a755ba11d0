/**
 * The answers fastify / Node's HTTP layer would otherwise give in their own JSON shape, made to look
 * like kube-apiserver's (found by test/e2e/fuzz.test.ts):
 *
 * - a malformed HTTP request (Node's 'clientError'): Go's net/http plain text, then close —
 *   `400 Bad Request`, `431 Request Header Fields Too Large`, `408 Request Timeout`;
 * - a URL fastify's router cannot decode (`%ff%fe`) or with a too long segment: a 400 BadRequest Status;
 * - a method no route is declared for (PROPFIND, TRACE...) and a Content-Type fastify refuses to parse
 *   (`;;;`, empty): handed to the API server's own entry, so the filter chain and handlers answer
 *   (authentication, then 403/405/415 Status bodies as upstream).
 */
import { METHODS, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../../../libs/apimachinery/src/status';
import { writeStatusRaw } from './respond';

const GO_ERROR_HEADERS = '\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n';

/** fastify's `clientErrorHandler` option: what Go's http.Server writes for unreadable requests. */
export function goClientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const text =
    err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  if (socket.writable) socket.end(`HTTP/1.1 ${text}${GO_ERROR_HEADERS}${text}`);
  else socket.destroy();
}

/** fastify's `frameworkErrors` option (bad URL encoding, too long path parameter, constraint errors). */
export function statusFrameworkErrors(err: Error & { code?: string }, _req: unknown, reply: { raw: ServerResponse; hijack(): void }): void {
  reply.hijack();
  const message = err.code === 'FST_ERR_BAD_URL' ? 'the request URL path is not valid' : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'the request URL path is too long' : 'invalid request';
  writeStatusRaw(reply.raw, errors.badRequest(message).toStatus());
}

/** The methods `mount` does not route itself (PROPFIND, TRACE, ...): every other method Node parses. */
const ROUTED_BY_MOUNT = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Other methods and content types fastify refuses go to the API server's entry too (called by `mount`).
 * CONNECT stays out: Node's HTTP server treats it as a tunnel request and closes it without a listener.
 */
export function routeFallbacksToEntry(fastify: FastifyInstance, entry: (req: IncomingMessage, res: ServerResponse) => void): void {
  const toEntry = (req: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
    reply.hijack();
    entry(req.raw, reply.raw);
  };
  // fastify answers a Content-Type it cannot parse (`;;;`, empty) itself, with its own 415 body, before any
  // handler or error handler: every request goes to the entry at onRequest, before fastify looks at the body
  fastify.addHook('onRequest', (req, reply, done) => {
    const ct = req.raw.headers['content-type'];
    if (ct === undefined || /^[\w.+-]+\/[\w.+-]+\s*(;.*)?$/.test(ct)) return done();
    toEntry(req, reply);
  });
  const others = METHODS.filter((m) => !ROUTED_BY_MOUNT.has(m) && m !== 'CONNECT');
  for (const m of others) if (!fastify.supportedMethods.includes(m)) fastify.addHttpMethod(m, { hasBody: true });
  fastify.route({ method: others, url: '/', handler: toEntry });
  fastify.route({ method: others, url: '/*', handler: toEntry });
  fastify.setErrorHandler((err: Error & { code?: string }, req, reply) => {
    if (!reply.sent && !reply.raw.headersSent) {
      if (String(err.code ?? '').startsWith('FST_ERR_CTP')) return toEntry(req, reply);
      reply.hijack();
      writeStatusRaw(reply.raw, errors.badRequest(err.message).toStatus());
    }
  });
}
