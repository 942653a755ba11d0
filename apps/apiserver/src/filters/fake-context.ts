/**
 * Test helpers: a RequestContext on a fake response that records what is written, without sockets.
 * Used by the filters' unit tests.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestContext, RequestInfo, UserInfo } from '../http/context';
import { parseRequestInfo } from './request-info';
import { isLongRunning } from './long-running';

export class FakeResponse {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  destroyed = false;
  readonly chunks: string[] = [];
  private readonly headerMap = new Map<string, string | number | string[]>();

  setHeader(name: string, value: string | number | readonly string[]): this {
    if (this.headersSent) throw new Error('ERR_HTTP_HEADERS_SENT');
    this.headerMap.set(name.toLowerCase(), Array.isArray(value) ? [...value] : (value as string | number));
    return this;
  }
  getHeader(name: string): string | number | string[] | undefined {
    return this.headerMap.get(name.toLowerCase());
  }
  hasHeader(name: string): boolean {
    return this.headerMap.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.headerMap.delete(name.toLowerCase());
  }
  getHeaders(): OutgoingHttpHeaders {
    return Object.fromEntries(this.headerMap);
  }
  writeHead(code: number, headers?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error('ERR_HTTP_HEADERS_SENT');
    this.statusCode = code;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) this.setHeader(k, v);
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Buffer): boolean {
    if (this.writableEnded) throw new Error('ERR_STREAM_WRITE_AFTER_END');
    if (!this.headersSent) this.headersSent = true;
    this.chunks.push(chunk.toString());
    return true;
  }
  end(chunk?: string | Buffer): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined) this.write(chunk);
    this.headersSent = true;
    this.writableEnded = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.writableEnded = true;
    return this;
  }
  get body(): string {
    return this.chunks.join('');
  }
  json(): unknown {
    return JSON.parse(this.body);
  }
}

export interface FakeContextOptions {
  method?: string;
  /** path plus optional query */
  url?: string;
  headers?: Record<string, string | string[]>;
  user?: UserInfo;
  /** stands in for req.socket (e.g. a fake TLSSocket) */
  socket?: unknown;
  receivedAt?: number;
}

export function fakeContext(opts: FakeContextOptions = {}): { ctx: RequestContext; res: FakeResponse } {
  const method = opts.method ?? 'GET';
  const url = opts.url ?? '/';
  const u = new URL(url, 'https://localhost');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const headersDistinct: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) headersDistinct[k] = Array.isArray(v) ? v : [v];
  const req = {
    method,
    url,
    headers,
    headersDistinct,
    socket: opts.socket ?? { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const res = new FakeResponse();
  let info: RequestInfo;
  try {
    info = parseRequestInfo(method, u.pathname, u.searchParams);
  } catch {
    info = { isResourceRequest: false, path: u.pathname, verb: method.toLowerCase(), apiPrefix: '', apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
  }
  const abort = new AbortController();
  const ctx: RequestContext = {
    req,
    res: res as unknown as ServerResponse,
    method,
    path: u.pathname,
    query: u.searchParams,
    info,
    user: opts.user,
    longRunning: isLongRunning(info),
    signal: abort.signal,
    abort,
    receivedAt: opts.receivedAt ?? Date.now(),
    warnings: [],
  };
  return { ctx, res };
}

export const okHandler = async (ctx: RequestContext): Promise<void> => {
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain' });
  ctx.res.end('ok');
};
