/**
 * The API server's gauges read at scrape time (upstream names):
 * - `apiserver_current_inflight_requests{request_kind}`: non-long-running requests in flight,
 *   readOnly (get/list/watch verbs) or mutating — from the wait group's tracked requests;
 * - `apiserver_longrunning_requests{verb,group,version,resource,subresource,scope,component}`:
 *   open watches, logs, exec, proxy...;
 * - `apiserver_storage_objects{resource}`: objects stored per resource (`configmaps`,
 *   `deployments.apps`), counted in storage once a minute as upstream does.
 */
import { Gauge, Registry } from 'prom-client';
import type { ResourceDefinition } from '../../../libs/registry/src/resource';
import { storagePrefixOf } from '../../../libs/registry/src/keys';
import type { Storage } from '../../../libs/storage/src/interface';
import type { RequestContext } from './http/context';

const READ_ONLY = new Set(['get', 'list', 'watch']);

export interface InFlightSource {
  inFlight(): { nonLongRunning: Iterable<RequestContext>; longRunning: Iterable<RequestContext> };
}

export function requestGauges(
  registry: Registry,
  source: InFlightSource,
  labelsOf: (ctx: RequestContext) => Record<string, string>,
): void {
  new Gauge({
    name: 'apiserver_current_inflight_requests',
    help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
    labelNames: ['request_kind'],
    registers: [registry],
    collect() {
      let readOnly = 0;
      let mutating = 0;
      for (const ctx of source.inFlight().nonLongRunning) {
        if (READ_ONLY.has(ctx.info.verb)) readOnly++;
        else mutating++;
      }
      this.reset();
      this.set({ request_kind: 'readOnly' }, readOnly);
      this.set({ request_kind: 'mutating' }, mutating);
    },
  });
  new Gauge({
    name: 'apiserver_longrunning_requests',
    help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
    labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
    registers: [registry],
    collect() {
      this.reset();
      for (const ctx of source.inFlight().longRunning) {
        const { dry_run: _dryRun, ...labels } = labelsOf(ctx);
        this.inc(labels);
      }
    },
  });
}

/** `apiserver_storage_objects`: counted every `intervalMs` (and at start); returns a stop function. */
export function storageObjectsGauge(registry: Registry, storage: Storage, definitions: () => ResourceDefinition[], intervalMs = 60_000): () => void {
  const counts = new Map<string, number>();
  new Gauge({
    name: 'apiserver_storage_objects',
    help: 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [resource, n] of counts) this.set({ resource }, n);
    },
  });
  let stopped = false;
  const refresh = async () => {
    const seen = new Set<string>();
    for (const def of definitions()) {
      if (stopped) return;
      const prefix = `${storagePrefixOf(def)}/`;
      if (seen.has(prefix) || def.verbs?.includes('list') === false) continue;
      seen.add(prefix);
      const resource = def.group ? `${def.plural}.${def.group}` : def.plural;
      try {
        counts.set(resource, await storage.count(prefix));
      } catch {
        counts.set(resource, -1);
      }
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
