/**
 * API discovery: the legacy documents (/api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>) and the
 * aggregated form (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) that kubectl 1.27+ asks for first.
 * Documents are built from the ResourceRegistry and cached until it changes.
 */
import { createHash } from 'node:crypto';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { ResourceDefinition, verbsOf } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';
import { writeObject } from '../http/respond';

const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** storageVersionHash as upstream: base64 of the first 8 bytes of sha256("group/version/kind"). */
function storageVersionHash(def: ResourceDefinition): string {
  return createHash('sha256').update(`${def.group}/${def.version}/${def.kind}`).digest().subarray(0, 8).toString('base64');
}

const SUB_VERBS = ['get', 'patch', 'update'];

function legacyResources(defs: ResourceDefinition[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const d of [...defs].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const r: Record<string, unknown> = {
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: verbsOf(d),
    };
    if (d.shortNames?.length) r.shortNames = d.shortNames;
    if (d.categories?.length) r.categories = d.categories;
    r.storageVersionHash = storageVersionHash(d);
    out.push(r);
    if (d.subresources?.scale) {
      out.push({ name: `${d.plural}/scale`, singularName: '', namespaced: d.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUB_VERBS });
    }
    for (const [name, sub] of Object.entries(d.subresources?.others ?? {})) {
      out.push({ name: `${d.plural}/${name}`, singularName: '', namespaced: d.namespaced, kind: sub.discovery?.kind ?? d.kind, verbs: sub.discovery?.verbs ?? SUB_VERBS });
    }
    for (const v of d.virtualSubresources ?? []) {
      out.push({ name: `${d.plural}/${v.name}`, singularName: '', namespaced: d.namespaced, group: v.group, version: v.version, kind: v.kind, verbs: v.verbs });
    }
    if (d.subresources?.status) {
      out.push({ name: `${d.plural}/status`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: SUB_VERBS });
    }
  }
  return out;
}

function aggregatedResource(d: ResourceDefinition): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: verbsOf(d),
  };
  if (d.shortNames?.length) r.shortNames = d.shortNames;
  if (d.categories?.length) r.categories = d.categories;
  const subs: Record<string, unknown>[] = [];
  if (d.subresources?.scale) subs.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUB_VERBS });
  if (d.subresources?.status) subs.push({ subresource: 'status', responseKind: { group: d.group, version: d.version, kind: d.kind }, verbs: SUB_VERBS });
  for (const [name, sub] of Object.entries(d.subresources?.others ?? {})) {
    subs.push({ subresource: name, responseKind: { group: d.group, version: d.version, kind: sub.discovery?.kind ?? d.kind }, verbs: sub.discovery?.verbs ?? SUB_VERBS });
  }
  for (const v of d.virtualSubresources ?? []) subs.push({ subresource: v.name, responseKind: { group: v.group, version: v.version, kind: v.kind }, verbs: v.verbs });
  if (subs.length) r.subresources = subs;
  return r;
}

/** Remote (aggregated) group versions merged into /apis and the aggregated document (aggregator/remote-discovery.ts). */
export interface ExternalDiscovery {
  /** bumps whenever the documents below change */
  readonly version: number;
  legacyGroups(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[];
  aggregatedItems(): Record<string, unknown>[];
}

export class Discovery {
  private cacheVersion = '';
  private cache = new Map<string, unknown>();
  private external?: ExternalDiscovery;

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly serverAddress: () => string,
  ) {}

  /** Adds the aggregation layer's remote groups (after the local ones). */
  setExternal(external: ExternalDiscovery): void {
    this.external = external;
  }

  private cached<T>(key: string, build: () => T): T {
    const version = `${this.registry.version}/${this.external?.version ?? 0}`;
    if (this.cacheVersion !== version) {
      this.cache.clear();
      this.cacheVersion = version;
    }
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) {
      v = build();
      this.cache.set(key, v);
    }
    return v;
  }

  /** Returns true when the path was a discovery path and has been answered. */
  serve(ctx: RequestContext): boolean {
    const parts = ctx.path.split('/').filter(Boolean);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return false;
    if (parts[0] === 'api') {
      if (parts.length === 1) {
        if (wantsAggregated(ctx)) return this.writeAggregated(ctx, true);
        writeObject(ctx, 200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }],
        });
        return true;
      }
      if (parts.length === 2 && this.registry.hasGroupVersion('', parts[1])) {
        writeObject(ctx, 200, this.cached(`rl//${parts[1]}`, () => this.resourceList('', parts[1])));
        return true;
      }
      return false;
    }
    if (parts[0] === 'apis') {
      if (parts.length === 1) {
        if (wantsAggregated(ctx)) return this.writeAggregated(ctx, false);
        writeObject(ctx, 200, this.cached('groups', () => ({ kind: 'APIGroupList', apiVersion: 'v1', groups: this.groupList() })));
        return true;
      }
      if (parts.length === 2) {
        const g = this.groupList().find((x) => x.name === parts[1]);
        if (!g) return false;
        writeObject(ctx, 200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
        return true;
      }
      if (parts.length === 3 && this.registry.hasGroupVersion(parts[1], parts[2])) {
        writeObject(ctx, 200, this.cached(`rl/${parts[1]}/${parts[2]}`, () => this.resourceList(parts[1], parts[2])));
        return true;
      }
    }
    return false;
  }

  private groupList(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] {
    const local = this.registry
      .groups()
      .filter((g) => g.group !== '')
      .map((g) => {
        const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
        return { name: g.group, versions, preferredVersion: versions[0] };
      });
    const names = new Set(local.map((g) => g.name));
    return [...local, ...(this.external?.legacyGroups() ?? []).filter((g) => !names.has(g.name))];
  }

  private resourceList(group: string, version: string): Record<string, unknown> {
    const doc: Record<string, unknown> = { kind: 'APIResourceList' };
    if (group !== '') doc.apiVersion = 'v1';
    doc.groupVersion = group === '' ? version : `${group}/${version}`;
    doc.resources = legacyResources(this.registry.resourcesIn(group, version));
    return doc;
  }

  private aggregated(core: boolean): Record<string, unknown> {
    const items = this.registry
      .groups()
      .filter((g) => (core ? g.group === '' : g.group !== ''))
      .map((g) => {
        const metadata: Record<string, unknown> = { creationTimestamp: null };
        if (g.group) metadata.name = g.group;
        return {
          metadata,
          versions: g.versions.map((v) => ({
            version: v,
            resources: this.registry
              .resourcesIn(g.group, v)
              .sort((a, b) => a.plural.localeCompare(b.plural))
              .map(aggregatedResource),
            freshness: 'Current',
          })),
        };
      });
    if (!core && this.external) {
      const names = new Set(items.map((i) => i.metadata.name));
      for (const item of this.external.aggregatedItems()) if (!names.has((item.metadata as { name?: string }).name)) items.push(item as (typeof items)[number]);
    }
    return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
  }

  private writeAggregated(ctx: RequestContext, core: boolean): boolean {
    const accept = String(ctx.req.headers.accept ?? '');
    const v2 = accept.includes('v=v2;') || accept.includes('v=v2,') || /v=v2(;|,|$)/.test(accept.replace(/\s/g, ''));
    const body = this.cached(`agg/${core}`, () => JSON.stringify(this.aggregated(core)));
    const etag = `"${createHash('sha256').update(body).digest('hex').toUpperCase()}"`;
    if (ctx.req.headers['if-none-match'] === etag) {
      ctx.res.writeHead(304, { ETag: etag });
      ctx.res.end();
      return true;
    }
    const contentType = v2 ? AGGREGATED_V2 : AGGREGATED_V2BETA1;
    const out = v2 ? body : body.replace('"apidiscovery.k8s.io/v2"', '"apidiscovery.k8s.io/v2beta1"');
    ctx.res.writeHead(200, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(out),
      ETag: etag,
      Vary: 'Accept',
      'Cache-Control': 'public',
    });
    ctx.res.end(out);
    return true;
  }
}

function wantsAggregated(ctx: RequestContext): boolean {
  const accept = String(ctx.req.headers.accept ?? '');
  if (!accept.includes('as=APIGroupDiscoveryList')) return false;
  // honour the client's preference order: aggregated must come before plain JSON
  const first = accept.split(',')[0];
  return first.includes('as=APIGroupDiscoveryList');
}
