/**
 * The metrics.k8s.io/v1beta1 API as metrics-server serves it: discovery (plain and aggregated),
 * NodeMetrics (`nodes`, cluster scoped) and PodMetrics (`pods`, namespaced), get and list with
 * label and field selectors, JSON or Table. Objects are built from the stored usage and the Node /
 * Pod lists the scraper keeps.
 */
import { errors } from '../../../libs/apimachinery/src/status';
import { parseFieldSelector, parseLabelSelector } from '../../../libs/apimachinery/src/selectors';
import { formatTime } from '../../../libs/apimachinery/src/meta/time';
import { formatGoDuration } from '../../apiserver/src/config/go-duration';
import type { KObject } from '../../kubelet-sim/src/kube-client';
import { cpuQuantity, memoryQuantity } from './quantity';
import type { MetricsStorage, TimeInfo, Usage } from './storage';

export const GROUP = 'metrics.k8s.io';
export const VERSION = 'v1beta1';
export const GROUP_VERSION = `${GROUP}/${VERSION}`;

export interface ApiResponse {
  status: number;
  body: unknown;
  contentType?: string;
}

export interface ApiSources {
  storage: MetricsStorage;
  nodes(): Map<string, KObject>;
  /** "ns/name" → Pod */
  pods(): Map<string, KObject>;
  now?: () => number;
}

const RESOURCES = [
  { name: 'nodes', kind: 'NodeMetrics', namespaced: false },
  { name: 'pods', kind: 'PodMetrics', namespaced: true },
];

const versionRef = { groupVersion: GROUP_VERSION, version: VERSION };

export function apiGroup(): KObject {
  return { name: GROUP, versions: [versionRef], preferredVersion: versionRef };
}

export function apiResourceList(): KObject {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: RESOURCES.map((r) => ({ name: r.name, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list'] })),
  };
}

/** apidiscovery.k8s.io APIGroupDiscoveryList (v2 or v2beta1) for /apis */
export function aggregatedDiscovery(version: string): KObject {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [
      {
        metadata: { name: GROUP, creationTimestamp: null },
        versions: [
          {
            version: VERSION,
            resources: RESOURCES.map((r) => ({
              resource: r.name,
              responseKind: { group: GROUP, version: VERSION, kind: r.kind },
              scope: r.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: '',
              verbs: ['get', 'list'],
            })),
            freshness: 'Current',
          },
        ],
      },
    ],
  };
}

/** The aggregated-discovery version a client asked for in Accept, if any. */
export function wantsAggregatedDiscovery(accept: string | undefined): string | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = part.split(';').map((s) => s.trim());
    if (params[0] !== 'application/json') continue;
    const p = Object.fromEntries(params.slice(1).map((kv) => kv.split('=') as [string, string]));
    if (p.g === 'apidiscovery.k8s.io' && p.as === 'APIGroupDiscoveryList' && (p.v === 'v2' || p.v === 'v2beta1')) return p.v;
  }
  return undefined;
}

export function wantsTable(accept: string | undefined): boolean {
  return /(^|[,;])\s*as=Table\b/.test(accept ?? '') && /g=meta\.k8s\.io/.test(accept ?? '');
}

function objectMeta(name: string, namespace: string | undefined, labels: Record<string, string> | undefined, now: number): KObject {
  const meta: KObject = { name };
  if (namespace) meta.namespace = namespace;
  meta.creationTimestamp = formatTime(new Date(now));
  if (labels && Object.keys(labels).length > 0) meta.labels = labels;
  return meta;
}

function timeFields(t: TimeInfo): { timestamp: string; window: string } {
  return { timestamp: formatTime(new Date(t.timestamp)), window: formatGoDuration(t.windowMs) };
}

function nodeMetricsObject(node: KObject, m: { usage: Usage; time: TimeInfo }, now: number): KObject {
  return { metadata: objectMeta(node.metadata.name, undefined, node.metadata.labels, now), ...timeFields(m.time), usage: { cpu: m.usage.cpu, memory: m.usage.memory } };
}

function podMetricsObject(pod: KObject, m: { containers: { name: string; usage: Usage }[]; time: TimeInfo }, now: number): KObject {
  return {
    metadata: objectMeta(pod.metadata.name, pod.metadata.namespace, pod.metadata.labels, now),
    ...timeFields(m.time),
    containers: m.containers.map((c) => ({ name: c.name, usage: { cpu: c.usage.cpu, memory: c.usage.memory } })),
  };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function selectors(query: URLSearchParams) {
  const label = parseLabelSelector(query.get('labelSelector') ?? '');
  const field = parseFieldSelector(query.get('fieldSelector') ?? '');
  return { label, field };
}

export function listNodeMetrics(src: ApiSources, query: URLSearchParams): KObject {
  const { label, field } = selectors(query);
  const now = (src.now ?? Date.now)();
  const items: KObject[] = [];
  for (const name of [...src.nodes().keys()].sort(byName)) {
    const node = src.nodes().get(name)!;
    if (!label.matches(node.metadata.labels ?? {})) continue;
    if (!field.matches({ 'metadata.name': name })) continue;
    const m = src.storage.nodeMetrics(name);
    if (m) items.push(nodeMetricsObject(node, m, now));
  }
  return { kind: 'NodeMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items };
}

export function getNodeMetrics(src: ApiSources, name: string): KObject {
  const node = src.nodes().get(name);
  if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, name);
  const m = src.storage.nodeMetrics(name);
  if (!m) throw errors.notFound({ group: GROUP, resource: 'nodemetrics' }, name);
  return { kind: 'NodeMetrics', apiVersion: GROUP_VERSION, ...nodeMetricsObject(node, m, (src.now ?? Date.now)()) };
}

/** namespace '' = all namespaces */
export function listPodMetrics(src: ApiSources, namespace: string, query: URLSearchParams): KObject {
  const { label, field } = selectors(query);
  const now = (src.now ?? Date.now)();
  const items: KObject[] = [];
  const pods = [...src.pods().values()]
    .filter((p) => !namespace || p.metadata.namespace === namespace)
    .sort((a, b) => byName(a.metadata.namespace, b.metadata.namespace) || byName(a.metadata.name, b.metadata.name));
  for (const pod of pods) {
    if (!label.matches(pod.metadata.labels ?? {})) continue;
    if (!field.matches({ 'metadata.name': pod.metadata.name, 'metadata.namespace': pod.metadata.namespace })) continue;
    if (pod.status?.phase !== 'Running') continue;
    const m = src.storage.podMetrics(pod.metadata.namespace, pod.metadata.name);
    if (m) items.push(podMetricsObject(pod, m, now));
  }
  return { kind: 'PodMetricsList', apiVersion: GROUP_VERSION, metadata: {}, items };
}

export function getPodMetrics(src: ApiSources, namespace: string, name: string): KObject {
  const pod = src.pods().get(`${namespace}/${name}`);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
  const m = pod.status?.phase === 'Running' ? src.storage.podMetrics(namespace, name) : undefined;
  if (!m) throw errors.notFound({ group: GROUP, resource: 'podmetrics' }, `${namespace}/${name}`);
  return { kind: 'PodMetrics', apiVersion: GROUP_VERSION, ...podMetricsObject(pod, m, (src.now ?? Date.now)()) };
}

/** metrics-server's ConvertToTable: Name, cpu, memory (summed over containers for pods), Window. */
export function toTable(obj: KObject): KObject {
  const items: KObject[] = Array.isArray(obj.items) ? obj.items : [obj];
  const table: KObject = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '' }, columnDefinitions: [], rows: [] };
  if (items.length > 0) {
    table.columnDefinitions = [
      { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
      { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
      { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
    ];
  }
  table.rows = items.map((it) => {
    let cpu = it.usage?.cpu;
    let memory = it.usage?.memory;
    if (Array.isArray(it.containers)) {
      cpu = sumQuantities(it.containers.map((c: KObject) => c.usage.cpu), 'cpu');
      memory = sumQuantities(it.containers.map((c: KObject) => c.usage.memory), 'memory');
    }
    return {
      cells: [it.metadata.name, cpu, memory, it.window],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: it.metadata },
    };
  });
  return table;
}

const DEC: Record<string, bigint> = { n: 1n, u: 1000n, m: 1_000_000n, '': 1_000_000_000n, k: 10n ** 12n, M: 10n ** 15n, G: 10n ** 18n };
const BIN: Record<string, bigint> = { '': 1n, Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n, k: 1000n, M: 1000n ** 2n, G: 1000n ** 3n };

/** sums the quantities this server writes (CPU in nanocores, memory in bytes) */
function sumQuantities(values: string[], kind: 'cpu' | 'memory'): string {
  let total = 0n;
  for (const v of values) {
    const m = /^(\d+)([a-zA-Z]*)$/.exec(v);
    if (!m) continue;
    const unit = (kind === 'cpu' ? DEC : BIN)[m[2]];
    if (unit !== undefined) total += BigInt(m[1]) * unit;
  }
  return kind === 'cpu' ? cpuQuantity(total) : memoryQuantity(total);
}

/** Routes a GET under /apis; undefined = not ours (404). Throws StatusError for API errors. */
export function serveApi(src: ApiSources, path: string, query: URLSearchParams, accept: string | undefined): ApiResponse | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts[0] !== 'apis') return undefined;
  if (parts.length === 1) {
    const v = wantsAggregatedDiscovery(accept);
    if (v) return { status: 200, body: aggregatedDiscovery(v), contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList` };
    return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup()] } };
  }
  if (parts[1] !== GROUP) return undefined;
  if (parts.length === 2) return { status: 200, body: { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup() } };
  if (parts[2] !== VERSION) return undefined;
  if (parts.length === 3) return { status: 200, body: apiResourceList() };
  const rest = parts.slice(3);
  const watch = ['1', 'true'].includes((query.get('watch') ?? '').toLowerCase());
  let body: KObject | undefined;
  if (rest[0] === 'nodes' && rest.length <= 2) {
    if (rest.length === 1 && watch) throw errors.methodNotSupported({ group: GROUP, resource: 'nodes' }, 'watch');
    body = rest.length === 1 ? listNodeMetrics(src, query) : getNodeMetrics(src, rest[1]);
  } else if (rest[0] === 'pods' && rest.length === 1) {
    if (watch) throw errors.methodNotSupported({ group: GROUP, resource: 'pods' }, 'watch');
    body = listPodMetrics(src, '', query);
  } else if (rest[0] === 'namespaces' && rest.length >= 3 && rest.length <= 4 && rest[2] === 'pods') {
    if (rest.length === 3 && watch) throw errors.methodNotSupported({ group: GROUP, resource: 'pods' }, 'watch');
    body = rest.length === 3 ? listPodMetrics(src, rest[1], query) : getPodMetrics(src, rest[1], rest[3]);
  }
  if (!body) return undefined;
  if (wantsTable(accept)) return { status: 200, body: toTable(body), contentType: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
  return { status: 200, body };
}

