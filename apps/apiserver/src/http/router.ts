/**
 * The innermost handler: health, version, OpenAPI, discovery, then resource requests by
 * RequestInfo. Everything not served is a 404 (a Status for API paths, plain text elsewhere).
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { Discovery } from '../handlers/discovery';
import { HealthEndpoints } from '../handlers/health';
import { OpenApiEndpoints } from '../handlers/openapi';
import { handleResource, StoreProvider } from '../handlers/resource-handler';
import { versionInfo } from '../handlers/version';
import { PROMETHEUS_TEXT_CONTENT_TYPE } from '../../../../libs/metrics/src';
import type { WatchMetrics } from '../metrics';
import type { Handler, RequestContext } from './context';
import { writeObject } from './respond';

export interface RouterDeps {
  registry: ResourceRegistry;
  stores: StoreProvider;
  discovery: Discovery;
  health: HealthEndpoints;
  openapi: OpenApiEndpoints;
  minRequestTimeoutSeconds: number;
  /** GET /metrics: the process's metrics in the Prometheus text format (absent: 404) */
  metrics?: { metrics(): Promise<string> };
  /** what watches record (apiserver_registered_watchers, apiserver_watch_events_total) */
  watchMetrics?: WatchMetrics;
  /** pods/log, exec, attach, portforward and the proxy subresources (handlers/connect.ts) */
  connect?: { handles(ctx: RequestContext): boolean; serve(ctx: RequestContext): Promise<void> };
  /** serviceaccounts/token, tokenreviews, selfsubjectreviews, OIDC discovery (authn/authentication.ts) */
  authn?: { handles(ctx: RequestContext): boolean; serve(ctx: RequestContext): Promise<void> };
  /** test-only: requests to this path throw inside the handler (ApiserverConfig.testPanicPath) */
  testPanicPath?: string;
}

export function createRouter(deps: RouterDeps): Handler {
  return async (ctx: RequestContext) => {
    if (deps.testPanicPath && ctx.path === deps.testPanicPath) {
      throw new Error(`test panic on ${ctx.path} (KUBERNEST_TEST_PANIC_PATH)`);
    }
    const info = ctx.info;
    if (info.isResourceRequest) {
      const def = deps.registry.lookup(info.apiGroup, info.apiVersion, info.resource);
      if (!def) throw errors.notFoundPath();
      if (deps.connect?.handles(ctx)) return deps.connect.serve(ctx);
      if (deps.authn?.handles(ctx)) return deps.authn.serve(ctx);
      return handleResource(ctx, def, deps.stores, deps.minRequestTimeoutSeconds, deps.watchMetrics);
    }
    if (await deps.health.serve(ctx)) return;
    if (ctx.path === '/version' || ctx.path === '/version/') {
      if (ctx.method !== 'GET') throw errors.methodNotAllowed();
      return writeObject(ctx, 200, versionInfo());
    }
    if (deps.metrics && ctx.path === '/metrics') {
      if (ctx.method !== 'GET') throw errors.methodNotAllowed();
      const body = await deps.metrics.metrics();
      ctx.res.writeHead(200, { 'Content-Type': PROMETHEUS_TEXT_CONTENT_TYPE, 'X-Content-Type-Options': 'nosniff', 'Content-Length': Buffer.byteLength(body) });
      ctx.res.end(body);
      return;
    }
    if (ctx.path.startsWith('/openapi/') && deps.openapi.serve(ctx)) return;
    if (deps.discovery.serve(ctx)) return;
    if (deps.authn?.handles(ctx)) return deps.authn.serve(ctx);
    if (ctx.path === '/' ) {
      return writeObject(ctx, 200, { paths: rootPaths(deps.registry) });
    }
    if (ctx.path.startsWith('/api/') || ctx.path.startsWith('/apis/') || ctx.path === '/api' || ctx.path === '/apis') {
      throw errors.notFoundPath();
    }
    const body = '404 page not found\n';
    ctx.res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': body.length });
    ctx.res.end(body);
  };
}

function rootPaths(registry: ResourceRegistry): string[] {
  const paths = new Set(['/api', '/api/v1', '/apis', '/apis/', '/healthz', '/livez', '/readyz', '/metrics', '/openapi/v2', '/openapi/v3', '/openapi/v3/', '/version']);
  for (const g of registry.groups()) {
    if (!g.group) continue;
    paths.add(`/apis/${g.group}`);
    for (const v of g.versions) paths.add(`/apis/${g.group}/${v}`);
  }
  return [...paths].sort();
}
