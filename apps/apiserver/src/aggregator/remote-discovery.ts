/**
 * Discovery of the remote (aggregated) group versions, merged into /apis and the aggregated
 * APIGroupDiscoveryList by handlers/discovery.ts. Each remote APIService's APIResourceList
 * (`GET /apis/<group>/<version>` on the backend) is cached by the availability controller on each
 * successful check. As upstream's discovery manager: a group version whose last fetch failed keeps
 * its last resources marked `freshness: Stale`; one never fetched is listed without resources, Stale.
 * Groups are ordered by groupPriorityMinimum (highest first), then name; versions by versionPriority.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { apiServiceService } from '../../../../libs/resources/src/apiregistration/apiservices';

type Json = Record<string, unknown>;

interface Entry {
  resources?: Json[];
  stale: boolean;
}

export interface RemoteGroup {
  name: string;
  versions: { version: string; resources?: Json[]; stale: boolean }[];
}

/** endpoints.ConvertGroupVersionIntoToDiscovery: legacy APIResources → APIResourceDiscovery (subresources folded in). */
export function toAggregatedResources(group: string, version: string, resources: Json[]): Json[] {
  const top = new Map<string, Json>();
  const subs: Json[] = [];
  for (const r of resources) {
    const name = String(r.name ?? '');
    if (name.includes('/')) {
      subs.push(r);
      continue;
    }
    const d: Json = {
      resource: name,
      responseKind: { group: (r.group as string) || group, version: (r.version as string) || version, kind: r.kind ?? '' },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName ?? '',
      verbs: r.verbs ?? [],
    };
    if (Array.isArray(r.shortNames) && r.shortNames.length) d.shortNames = r.shortNames;
    if (Array.isArray(r.categories) && r.categories.length) d.categories = r.categories;
    top.set(name, d);
  }
  for (const r of subs) {
    const [parent, sub] = String(r.name).split('/', 2);
    const p = top.get(parent);
    if (!p) continue;
    const list = (p.subresources ??= []) as Json[];
    list.push({ subresource: sub, responseKind: { group: (r.group as string) || group, version: (r.version as string) || version, kind: r.kind ?? '' }, verbs: r.verbs ?? [] });
  }
  return [...top.values()].sort((a, b) => String(a.resource).localeCompare(String(b.resource)));
}

export class RemoteDiscovery {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  /** `remote()` lists the APIServices that have spec.service */
  constructor(private readonly remote: () => KObject[]) {}

  /** bumps on every change (discovery caches key on it) */
  get version(): number {
    return this.generation;
  }

  /** the APIService set changed */
  touch(): void {
    this.generation++;
  }

  record(name: string, resources: Json[]): void {
    const cur = this.entries.get(name);
    if (cur && !cur.stale && JSON.stringify(cur.resources) === JSON.stringify(resources)) return;
    this.entries.set(name, { resources, stale: false });
    this.generation++;
  }

  markStale(name: string): void {
    const cur = this.entries.get(name);
    if (cur?.stale) return;
    this.entries.set(name, { resources: cur?.resources, stale: true });
    this.generation++;
  }

  forget(name: string): void {
    if (this.entries.delete(name)) this.generation++;
  }

  resourcesOf(name: string): Json[] | undefined {
    return this.entries.get(name)?.resources;
  }

  groups(): RemoteGroup[] {
    const byGroup = new Map<string, { prio: number; versions: { version: string; prio: number; resources?: Json[]; stale: boolean }[] }>();
    for (const s of this.remote()) {
      if (!apiServiceService(s)) continue;
      const spec = (s.spec ?? {}) as Json;
      const group = String(spec.group ?? '');
      const version = String(spec.version ?? '');
      if (!group || !version) continue;
      const e = this.entries.get(s.metadata.name ?? '') ?? { stale: true };
      const g = byGroup.get(group) ?? { prio: 0, versions: [] };
      g.prio = Math.max(g.prio, Number(spec.groupPriorityMinimum ?? 0));
      g.versions.push({ version, prio: Number(spec.versionPriority ?? 0), resources: e.resources, stale: e.stale });
      byGroup.set(group, g);
    }
    return [...byGroup.entries()]
      .sort(([an, a], [bn, b]) => b.prio - a.prio || an.localeCompare(bn))
      .map(([name, g]) => ({
        name,
        versions: g.versions.sort((a, b) => b.prio - a.prio || compareKubeVersions(a.version, b.version)).map(({ version, resources, stale }) => ({ version, resources, stale })),
      }));
  }

  /** APIGroup entries for the legacy /apis APIGroupList */
  legacyGroups(): { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } }[] {
    return this.groups().map((g) => {
      const versions = g.versions.map((v) => ({ groupVersion: `${g.name}/${v.version}`, version: v.version }));
      return { name: g.name, versions, preferredVersion: versions[0] };
    });
  }

  /** APIGroupDiscovery items for the aggregated document */
  aggregatedItems(): Json[] {
    return this.groups().map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => {
        const out: Json = { version: v.version };
        if (v.resources?.length) out.resources = toAggregatedResources(g.name, v.version, v.resources);
        out.freshness = v.stale ? 'Stale' : 'Current';
        return out;
      }),
    }));
  }
}

/** Kubernetes version order: GA > beta > alpha, higher numbers first; others alphabetically after. */
function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = rank(a);
  const [sb, mb, nb] = rank(b);
  return sb - sa || mb - ma || nb - na || a.localeCompare(b);
}
