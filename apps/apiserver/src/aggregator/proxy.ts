/**
 * The aggregator's proxy (upstream handler_proxy.go), a handler placed after authentication and
 * authorization, before the local routes: a request to `/apis/<group>/<version>[/...]` whose
 * APIService has spec.service is sent to one ready endpoint of that Service over TLS, with the
 * front-proxy headers naming the authenticated user (`X-Remote-User`, one `X-Remote-Group` per
 * group, `X-Remote-Extra-<key>`) and without the caller's Authorization header; the answer (status,
 * headers, body) is streamed back as it comes, so watches stream. An APIService that is not
 * Available, or whose Service has no ready endpoint, answers 503 `service unavailable`; a backend
 * that cannot be reached answers 503 with the dial error (upstream's responder). Upgrade requests
 * (exec-like) to aggregated APIs are refused.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { apiServiceCondition, apiServiceService } from '../../../../libs/resources/src/apiregistration/apiservices';
import type { Dialer } from '../egress/egress-selector';
import { writePlainTextError } from '../filters/responses';
import type { Handler, RequestContext, UserInfo } from '../http/context';
import { resolveBackend, type BackendAddress, type ResolverStores } from './resolver';
import { openBackendRequest, type BackendTLS, type ProxyClientCert } from './transport';

/** hop-by-hop headers (RFC 7230 6.1) and those the proxy sets itself */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

export interface ProxyDeps {
  /** the remote APIService serving group/version, if any */
  remoteFor(group: string, version: string): KObject | undefined;
  stores: ResolverStores;
  dialer: Dialer;
  client(): ProxyClientCert | undefined;
  /** request-header names to strip from forwarded requests (besides the X-Remote-* defaults) */
  requestHeaderNames?: { usernameHeaders: string[]; groupHeaders: string[]; extraHeaderPrefixes: string[] };
  /** overrides endpoint resolution (tests) */
  resolve?(namespace: string, name: string, port: number): Promise<BackendAddress>;
  /** the backend could not be reached or resolved: re-check the APIService's availability now */
  onBackendError?(apiServiceName: string): void;
}

export function isAvailable(s: KObject): boolean {
  return apiServiceCondition(s)?.status === 'True';
}

export function backendTLS(s: KObject, client?: ProxyClientCert): BackendTLS {
  const svc = apiServiceService(s)!;
  const spec = (s.spec ?? {}) as Record<string, unknown>;
  const ca = typeof spec.caBundle === 'string' && spec.caBundle ? Buffer.from(spec.caBundle, 'base64') : undefined;
  return { serverName: `${svc.name}.${svc.namespace}.svc`, ca, insecure: spec.insecureSkipTLSVerify === true, client };
}

/** transport.SetAuthProxyHeaders: X-Remote-User, X-Remote-Group (one per group), X-Remote-Extra-<escaped key> */
export function authProxyHeaders(user: UserInfo): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = { 'X-Remote-User': user.name };
  if (user.groups.length) h['X-Remote-Group'] = [...user.groups];
  for (const [k, vs] of Object.entries(user.extra ?? {})) h[`X-Remote-Extra-${headerKeyEscape(k)}`] = [...vs];
  return h;
}

/** upstream headerKeyEscape: percent-encode everything but legal token characters */
export function headerKeyEscape(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(c) && c !== '%') out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The forwarded request headers: the caller's minus hop-by-hop, Authorization and any identity headers. */
export function forwardedHeaders(incoming: IncomingHttpHeaders, user: UserInfo, names?: ProxyDeps['requestHeaderNames']): OutgoingHttpHeaders {
  const strip = new Set(['authorization', 'x-remote-user', 'x-remote-group', 'x-remote-uid', ...(names?.usernameHeaders ?? []), ...(names?.groupHeaders ?? [])].map((s) => s.toLowerCase()));
  const prefixes = ['x-remote-extra-', ...(names?.extraHeaderPrefixes ?? [])].map((s) => s.toLowerCase());
  const connectionTokens = String(incoming.connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || HOP_BY_HOP.has(k) || strip.has(k) || connectionTokens.includes(k) || prefixes.some((p) => k.startsWith(p))) continue;
    out[k] = v;
  }
  return { ...out, ...authProxyHeaders(user) };
}

/** `/apis/<group>/<version>[/...]` → [group, version] */
export function aggregatedGroupVersion(path: string): [string, string] | undefined {
  const parts = path.split('/');
  if (parts[1] !== 'apis' || !parts[2] || !parts[3]) return undefined;
  return [parts[2], parts[3]];
}

export function withAggregatorProxy(next: Handler, deps: ProxyDeps): Handler {
  return async (ctx: RequestContext) => {
    const gv = aggregatedGroupVersion(ctx.path);
    const apiService = gv && deps.remoteFor(gv[0], gv[1]);
    if (!apiService) return next(ctx);
    return proxyRequest(ctx, apiService, deps);
  };
}

async function proxyRequest(ctx: RequestContext, apiService: KObject, deps: ProxyDeps): Promise<void> {
  if (!isAvailable(apiService)) return writePlainTextError(ctx.res, 503, 'service unavailable');
  const user = ctx.user;
  if (!user) return writePlainTextError(ctx.res, 500, 'missing user');
  if (ctx.req.headers.upgrade) {
    return writePlainTextError(ctx.res, 400, 'upgrade requests are not supported for aggregated APIs');
  }
  const svc = apiServiceService(apiService)!;
  let addr: BackendAddress;
  try {
    addr = deps.resolve ? await deps.resolve(svc.namespace, svc.name, svc.port) : await resolveBackend(deps.stores, svc.namespace, svc.name, svc.port);
  } catch (e) {
    console.error(`error resolving ${svc.namespace}/${svc.name}: ${(e as Error).message}`);
    deps.onBackendError?.(apiService.metadata.name ?? '');
    return writePlainTextError(ctx.res, 503, 'service unavailable');
  }
  const headers = forwardedHeaders(ctx.req.headers, user, deps.requestHeaderNames);
  let opened: Awaited<ReturnType<typeof openBackendRequest>>;
  try {
    opened = await openBackendRequest(deps.dialer, addr, backendTLS(apiService, deps.client()), { method: ctx.method, path: ctx.req.url ?? ctx.path, headers, timeoutMs: 30_000 });
  } catch (e) {
    deps.onBackendError?.(apiService.metadata.name ?? '');
    return writePlainTextError(ctx.res, 503, (e as Error).message);
  }
  const { req, response } = opened;
  const onAbort = () => {
    req.destroy();
    req.socket?.destroy();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  ctx.res.once('close', onAbort);
  try {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') req.end();
    else ctx.req.pipe(req);
    let res;
    try {
      res = await response;
    } catch (e) {
      return writePlainTextError(ctx.res, 503, (e as Error).message);
    }
    const out: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    if (ctx.res.headersSent || ctx.res.writableEnded) {
      res.destroy();
      return;
    }
    ctx.res.writeHead(res.statusCode ?? 502, out);
    ctx.res.flushHeaders();
    await new Promise<void>((resolve) => {
      res.on('data', (c: Buffer) => {
        if (!ctx.res.write(c)) {
          res.pause();
          ctx.res.once('drain', () => res.resume());
        }
      });
      res.once('end', () => {
        ctx.res.end();
        resolve();
      });
      res.once('error', () => {
        ctx.res.destroy();
        resolve();
      });
      res.once('close', () => {
        if (!ctx.res.writableEnded) ctx.res.end();
        resolve();
      });
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    req.socket?.end();
  }
}
