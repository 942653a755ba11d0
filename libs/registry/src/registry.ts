/**
 * The set of served resources, data-driven: definitions can be added and removed at run time
 * (CustomResourceDefinitions later). Lookups are by URL coordinates and by kind.
 */
import { apiVersionOf, ResourceDefinition } from './resource';

export interface GroupVersions {
  group: string;
  /** served versions, preferred first */
  versions: string[];
}

function gvrKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

export class ResourceRegistry {
  private readonly byGVR = new Map<string, ResourceDefinition>();
  private readonly byGVK = new Map<string, ResourceDefinition>();
  private readonly listeners = new Set<() => void>();
  private generation = 0;

  constructor(defs: ResourceDefinition[] = []) {
    for (const d of defs) this.addQuiet(d);
  }

  private addQuiet(def: ResourceDefinition): void {
    this.byGVR.set(gvrKey(def.group, def.version, def.plural), def);
    this.byGVK.set(`${apiVersionOf(def)}/${def.kind}`, def);
  }

  add(def: ResourceDefinition): void {
    this.addQuiet(def);
    this.changed();
  }

  remove(group: string, version: string, plural: string): void {
    const def = this.byGVR.get(gvrKey(group, version, plural));
    if (!def) return;
    this.byGVR.delete(gvrKey(group, version, plural));
    this.byGVK.delete(`${apiVersionOf(def)}/${def.kind}`);
    this.changed();
  }

  /** Called whenever the set changes (discovery and OpenAPI caches listen). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Increments on every change; lets caches know when to rebuild. */
  get version(): number {
    return this.generation;
  }

  private changed(): void {
    this.generation++;
    for (const fn of this.listeners) fn();
  }

  lookup(group: string, version: string, plural: string): ResourceDefinition | undefined {
    return this.byGVR.get(gvrKey(group, version, plural));
  }

  lookupKind(apiVersion: string, kind: string): ResourceDefinition | undefined {
    return this.byGVK.get(`${apiVersion}/${kind}`);
  }

  all(): ResourceDefinition[] {
    return [...this.byGVR.values()];
  }

  hasGroupVersion(group: string, version: string): boolean {
    for (const d of this.byGVR.values()) if (d.group === group && d.version === version) return true;
    return false;
  }

  resourcesIn(group: string, version: string): ResourceDefinition[] {
    return this.all().filter((d) => d.group === group && d.version === version);
  }

  /** Groups in upstream discovery order (core first, then as registered), versions preferred first. */
  groups(): GroupVersions[] {
    const out = new Map<string, string[]>();
    for (const d of this.byGVR.values()) {
      const vs = out.get(d.group) ?? [];
      if (!vs.includes(d.version)) vs.push(d.version);
      out.set(d.group, vs);
    }
    return [...out.entries()].map(([group, versions]) => ({ group, versions: sortVersions(versions) }));
  }
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function sortVersions(versions: string[]): string[] {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  return [...versions].sort((a, b) => {
    const [sa, ma, na] = rank(a);
    const [sb, mb, nb] = rank(b);
    return sb - sa || mb - ma || nb - na || a.localeCompare(b);
  });
}
