/**
 * The API server's request and watch metrics (upstream names and labels,
 * k8s.io/apiserver/pkg/endpoints/metrics), in a registry that joins the process's MetricsRegistry.
 *
 * Requests are recorded once per request around the whole handler chain (http/entry.ts), so
 * requests rejected by a filter (401, 403, 429, 504) count too. Label values are bounded: a
 * resource request for a resource that is not served keeps only its verb, and a non-resource path
 * is reported (as upstream, in `subresource`) only when it is one the server serves.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestContext, RequestInfo } from './http/context';

/** upstream's apiserver_request_duration_seconds buckets */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;
type RequestLabel = (typeof REQUEST_LABELS)[number];

/** request verb → upstream's reported verb */
const VERBS: Record<string, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
  proxy: 'PROXY',
  connect: 'CONNECT',
};
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** non-resource paths reported as themselves (everything else: '') */
const KNOWN_PATH =
  /^\/(?:healthz|livez|readyz)(?:\/[A-Za-z0-9_.:/-]{1,100})?$|^\/(?:version|metrics|api|apis|openapi\/v2|openapi\/v3)\/?$|^\/api\/v1\/?$|^\/apis\/[a-z0-9.-]{1,253}(?:\/v[0-9]+(?:(?:alpha|beta)[0-9]+)?)?\/?$|^\/openapi\/v3\/(?:api|apis)\//;

export interface RequestMetricsOptions {
  /** is this group/version/resource served? (unknown ones are not reported, to bound the labels) */
  isKnownResource?: (info: RequestInfo) => boolean;
}

export class ApiserverMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<RequestLabel | 'code'>;
  readonly requestDuration: Histogram<RequestLabel>;
  readonly registeredWatchers: Gauge<'group' | 'version' | 'kind'>;
  readonly watchEvents: Counter<'group' | 'version' | 'kind'>;
  readonly responseSizes: Histogram<Exclude<RequestLabel, 'dry_run'>>;

  constructor(private readonly opts: RequestMetricsOptions = {}) {
    this.requests = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...REQUEST_LABELS],
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.registeredWatchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Number of currently registered watchers for a given resources',
      labelNames: ['group', 'version', 'kind'],
      registers: [this.registry],
    });
    this.responseSizes = new Histogram({
      name: 'apiserver_response_sizes',
      help: 'Response size distribution in bytes for each group, version, verb, resource, subresource, scope and component.',
      labelNames: REQUEST_LABELS.filter((l): l is Exclude<RequestLabel, 'dry_run'> => l !== 'dry_run'),
      // upstream: ExponentialBuckets(1000, 10.0, 8)
      buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10],
      registers: [this.registry],
    });
    this.watchEvents = new Counter({
      name: 'apiserver_watch_events_total',
      help: 'Number of events sent in watch clients',
      labelNames: ['group', 'version', 'kind'],
      registers: [this.registry],
    });
  }

  /** Records one finished request (called by the entry once the chain has settled). */
  observeRequest(ctx: RequestContext, seconds: number): void {
    const labels = this.requestLabels(ctx);
    this.requests.inc({ ...labels, code: String(ctx.res.statusCode || 0) });
    this.requestDuration.observe(labels, seconds);
    // upstream records response sizes for GET and LIST
    if (ctx.responseBytes !== undefined && (labels.verb === 'GET' || labels.verb === 'LIST') && labels.resource) {
      const { dry_run: _dryRun, ...sizeLabels } = labels;
      this.responseSizes.observe(sizeLabels, ctx.responseBytes);
    }
  }

  requestLabels(ctx: RequestContext): Record<RequestLabel, string> {
    const info = ctx.info;
    const dryRun = ctx.query.getAll('dryRun').includes('All') ? 'All' : '';
    if (info.isResourceRequest && info.resource) {
      let verb = VERBS[info.verb] ?? 'other';
      if (verb === 'PATCH' && (ctx.req.headers['content-type'] ?? '').startsWith('application/apply-patch')) verb = 'APPLY';
      if (this.opts.isKnownResource && !this.opts.isKnownResource(info)) {
        return { verb, dry_run: dryRun, group: '', version: '', resource: '', subresource: '', scope: '', component: '' };
      }
      const scope = info.name || info.verb === 'create' ? 'resource' : info.namespace ? 'namespace' : 'cluster';
      return {
        verb,
        dry_run: dryRun,
        group: info.apiGroup,
        version: info.apiVersion,
        resource: info.resource,
        subresource: info.subresource,
        scope,
        component: 'apiserver',
      };
    }
    const verb = METHODS.has(ctx.method) ? ctx.method : 'other';
    return { verb, dry_run: dryRun, group: '', version: '', resource: '', subresource: KNOWN_PATH.test(ctx.path) ? ctx.path : '', scope: '', component: '' };
  }
}

/** What the watch handler records: registered watchers and events sent, by group/version/kind. */
export interface WatchMetrics {
  registeredWatchers: Gauge<'group' | 'version' | 'kind'>;
  watchEvents: Counter<'group' | 'version' | 'kind'>;
}
