/**
 * Maps @kubernetes/client-node model class names to upstream OpenAPI definition names
 * (`V1PodSpec` → `io.k8s.api.core.v1.PodSpec`, `V1ObjectMeta` → `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`,
 * `EventsV1Event` → `io.k8s.api.events.v1.Event`).
 *
 * client-node drops the Go package from its model names, so the package is recovered:
 *  1. from a group prefix kept by client-node for clashing names (`CoreV1Event`, `DiscoveryV1EndpointPort`);
 *  2. from a fixed list of apimachinery types (meta/v1, version) and a few known cross-package types;
 *  3. otherwise from the generated API classes (`dist/gen/apis/AppsV1Api.js` uses `V1Deployment`): those
 *     top-level types get the API's package, and every type they reference (transitively) inherits the
 *     package of its referrer — core first, so types shared with core stay in core.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientNodeGenDir, modelAttributeMaps } from './client-node-models';
import { META_V1, VERSION, packagePrefixOfApiWord } from './go-packages';
import { parseTypeExpr, referencedModels } from './type-expr';

const VERSION_RE = 'V\\d+(?:alpha\\d+|beta\\d+)?';
const PREFIXED = new RegExp(`^([A-Z][a-z]+)(${VERSION_RE})([A-Z]\\w*)$`);
const PLAIN = new RegExp(`^(${VERSION_RE})([A-Z]\\w*)$`);
const API_FILE = new RegExp(`^([A-Z][A-Za-z]*?)(${VERSION_RE})Api\\.js$`);

const META_KINDS = new Set([
  'APIGroup', 'APIGroupList', 'APIResource', 'APIResourceList', 'APIVersions', 'Condition', 'DeleteOptions',
  'FieldSelectorRequirement', 'GroupVersionForDiscovery', 'LabelSelector', 'LabelSelectorRequirement', 'ListMeta',
  'ManagedFieldsEntry', 'ObjectMeta', 'OwnerReference', 'Preconditions', 'ServerAddressByClientCIDR', 'Status',
  'StatusCause', 'StatusDetails', 'WatchEvent',
]);

/** Types whose package cannot be told from where client-node's API classes use them. */
const KNOWN_PACKAGES: Record<string, string> = {
  V1Scale: 'io.k8s.api.autoscaling',
  V1Eviction: 'io.k8s.api.policy',
  V1TopologySelectorTerm: 'io.k8s.api.core',
  V1TopologySelectorLabelRequirement: 'io.k8s.api.core',
};

const CORE = 'io.k8s.api.core';

export interface ModelNameParts {
  /** lower-case version, e.g. `v1beta1` */
  version: string;
  kind: string;
  /** group word kept by client-node, e.g. `Core` in `CoreV1Event` */
  groupWord?: string;
}

export function splitModelName(model: string): ModelNameParts | undefined {
  const plain = PLAIN.exec(model);
  if (plain) return { version: plain[1].toLowerCase(), kind: plain[2] };
  const prefixed = PREFIXED.exec(model);
  if (prefixed) return { groupWord: prefixed[1], version: prefixed[2].toLowerCase(), kind: prefixed[3] };
  return undefined;
}

let names: Map<string, string> | undefined;

/** Upstream definition name of a client-node model, or undefined for unknown names. */
export function definitionNameOf(model: string): string | undefined {
  if (!names) names = computeDefinitionNames();
  return names.get(model);
}

function computeDefinitionNames(): Map<string, string> {
  const maps = modelAttributeMaps();
  const pkg = new Map<string, string>();
  for (const model of maps.keys()) {
    const parts = splitModelName(model);
    if (!parts) continue;
    if (parts.groupWord) pkg.set(model, packagePrefixOfApiWord(parts.groupWord));
    else if (parts.version === 'v1' && META_KINDS.has(parts.kind)) pkg.set(model, 'io.k8s.apimachinery.pkg.apis.meta');
    else if (KNOWN_PACKAGES[model]) pkg.set(model, KNOWN_PACKAGES[model]);
  }
  for (const [model, prefix] of apiRootPackages(new Set(maps.keys()))) if (!pkg.has(model)) pkg.set(model, prefix);

  const children = (model: string): string[] =>
    (maps.get(model) ?? []).flatMap((a) => referencedModels(parseTypeExpr(a.type))).filter((m) => maps.has(m));
  const spread = (seeds: string[]): void => {
    const queue = [...seeds];
    while (queue.length > 0) {
      const model = queue.shift() as string;
      const prefix = pkg.get(model) as string;
      for (const child of children(model)) {
        if (pkg.has(child)) continue;
        pkg.set(child, prefix);
        queue.push(child);
      }
    }
  };
  const assigned = [...pkg.keys()].sort();
  spread(assigned.filter((m) => pkg.get(m) === CORE));
  spread(assigned.filter((m) => pkg.get(m) !== CORE));

  const out = new Map<string, string>();
  for (const model of maps.keys()) {
    const parts = splitModelName(model);
    if (!parts) continue;
    out.set(model, `${pkg.get(model) ?? CORE}.${parts.version}.${parts.kind}`);
  }
  out.set('VersionInfo', `${VERSION}.Info`);
  for (const kind of META_KINDS) out.set(`V1${kind}`, `${META_V1}.${kind}`);
  return out;
}

/** Top-level models used by each generated API class, with the package of that API. */
function apiRootPackages(known: Set<string>): Map<string, string> {
  const dir = path.join(clientNodeGenDir(), 'apis');
  const out = new Map<string, string>();
  const files = fs.readdirSync(dir).filter((f) => API_FILE.test(f));
  // core first, so a type used by several API classes (none besides the meta types today) lands in core
  files.sort((a, b) => Number(b.startsWith('CoreV')) - Number(a.startsWith('CoreV')) || a.localeCompare(b));
  for (const file of files) {
    const word = (API_FILE.exec(file) as RegExpExecArray)[1];
    const prefix = packagePrefixOfApiWord(word);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/"([A-Z][A-Za-z0-9]+)"/g)) {
      if (known.has(m[1]) && !out.has(m[1])) out.set(m[1], prefix);
    }
  }
  return out;
}
