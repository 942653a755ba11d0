/**
 * Service defaulting (SetDefaults_Service, the clusterIP/clusterIPs sync of the v1 conversion) and
 * the IP family fields the allocator fills in on create. ClusterIP allocation itself comes later.
 */
import { KObject } from '../../../apimachinery/src/types';
import { child, Json, num, obj, objs, str, strs } from '../common/json';

export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

export function serviceType(spec: Json): string {
  return str(spec.type);
}

/** ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs. */
export function externallyAccessible(spec: Json): boolean {
  const t = serviceType(spec);
  return t === 'LoadBalancer' || t === 'NodePort' || (t === 'ClusterIP' && strs(spec.externalIPs).length > 0);
}

export function isHeadless(spec: Json): boolean {
  const ips = strs(spec.clusterIPs);
  return (ips.length > 0 ? ips[0] : str(spec.clusterIP)) === 'None';
}

export function defaultService(svc: KObject): void {
  const spec = child(svc, 'spec');
  if (!str(spec.sessionAffinity)) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = num(obj(obj(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds);
    if (timeout === undefined) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  if (!str(spec.type)) spec.type = 'ClusterIP';
  for (const p of objs(spec.ports)) {
    if (!str(p.protocol)) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !str(spec.externalTrafficPolicy)) spec.externalTrafficPolicy = 'Cluster';
  const t = serviceType(spec);
  if ((spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) && (t === 'NodePort' || t === 'LoadBalancer' || t === 'ClusterIP')) {
    spec.internalTrafficPolicy = 'Cluster';
  }
  if (t === 'LoadBalancer') {
    if (typeof spec.allocateLoadBalancerNodePorts !== 'boolean') spec.allocateLoadBalancerNodePorts = true;
    for (const ing of objs(obj(obj(svc.status)?.loadBalancer)?.ingress)) {
      if (str(ing.ip) && !str(ing.ipMode)) ing.ipMode = 'VIP';
    }
  }
  // v1 <-> internal conversion keeps clusterIP and clusterIPs[0] in step
  const ips = strs(spec.clusterIPs);
  if (ips.length === 0 && str(spec.clusterIP)) spec.clusterIPs = [str(spec.clusterIP)];
  else if (ips.length > 0 && !str(spec.clusterIP)) spec.clusterIP = ips[0];
}

/**
 * The allocator's initIPFamilyFields for a single-stack IPv4 cluster: SingleStack/[IPv4], except
 * headless services without a selector which get RequireDualStack/[IPv4, IPv6].
 */
export function defaultIPFamilies(spec: Json): void {
  if (serviceType(spec) === 'ExternalName') return;
  const selectorless = Object.keys(obj(spec.selector) ?? {}).length === 0;
  if (isHeadless(spec) && selectorless) {
    if (spec.ipFamilyPolicy === undefined && strs(spec.ipFamilies).length === 0) spec.ipFamilyPolicy = 'RequireDualStack';
    if (strs(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
    const families = strs(spec.ipFamilies);
    if (families.length < 2 && spec.ipFamilyPolicy !== 'SingleStack') spec.ipFamilies = [...families, families[0] === 'IPv4' ? 'IPv6' : 'IPv4'];
    return;
  }
  if (spec.ipFamilyPolicy === undefined) spec.ipFamilyPolicy = 'SingleStack';
  if (strs(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
}

/** On update, fields the allocator owns are kept from the old object when the new one omits them. */
export function carryAllocatedFields(spec: Json, oldSpec: Json): void {
  if (serviceType(spec) === 'ExternalName' || serviceType(oldSpec) === 'ExternalName') return;
  if (!str(spec.clusterIP) && strs(spec.clusterIPs).length === 0 && str(oldSpec.clusterIP)) {
    spec.clusterIP = oldSpec.clusterIP;
    if (oldSpec.clusterIPs !== undefined) spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (spec.ipFamilyPolicy === undefined && oldSpec.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
  if (strs(spec.ipFamilies).length === 0 && oldSpec.ipFamilies !== undefined) spec.ipFamilies = oldSpec.ipFamilies;
  // patchAllocatedValues: node ports the client left out keep their value (matched by port name)
  if (needsNodePort(spec) && needsNodePort(oldSpec)) {
    const nodePorts = (s: Json) => new Set(objs(s.ports).map((p) => num(p.nodePort) ?? 0).filter((n) => n !== 0));
    const newUsed = nodePorts(spec);
    const used = new Set([...nodePorts(oldSpec)].filter((n) => newUsed.has(n)));
    const byName = new Map<string, number>();
    for (const p of objs(oldSpec.ports)) byName.set(str(p.name), num(p.nodePort) ?? 0);
    for (const p of objs(spec.ports)) {
      if ((num(p.nodePort) ?? 0) !== 0) continue;
      const v = byName.get(str(p.name)) ?? 0;
      if (v !== 0 && !used.has(v)) p.nodePort = v;
    }
  }
  if (needsHealthCheckNodePort(spec) && needsHealthCheckNodePort(oldSpec) && !num(spec.healthCheckNodePort) && num(oldSpec.healthCheckNodePort)) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

/**
 * normalizeClusterIPs (update branch): an old client that left clusterIPs out keeps them; a changed
 * clusterIP with unchanged clusterIPs replaces them (so validation reports `spec.clusterIPs[0]`),
 * a cleared one clears them.
 */
export function normalizeClusterIPsOnUpdate(spec: Json, oldSpec: Json): void {
  const oldIPs = strs(oldSpec.clusterIPs);
  if (oldIPs.length > 0 && strs(spec.clusterIPs).length === 0 && str(oldSpec.clusterIP) === str(spec.clusterIP)) {
    spec.clusterIPs = oldSpec.clusterIPs;
  }
  if (str(oldSpec.clusterIP) === str(spec.clusterIP)) return;
  const newIPs = strs(spec.clusterIPs);
  const same = newIPs.length === oldIPs.length && newIPs.every((ip, i) => ip === oldIPs[i]);
  if (!same) return;
  if (str(oldSpec.clusterIP) && !str(spec.clusterIP)) delete spec.clusterIPs;
  else spec.clusterIPs = [str(spec.clusterIP)];
}

function needsNodePort(spec: Json): boolean {
  const t = serviceType(spec);
  return t === 'NodePort' || t === 'LoadBalancer';
}

function needsHealthCheckNodePort(spec: Json): boolean {
  return serviceType(spec) === 'LoadBalancer' && str(spec.externalTrafficPolicy) === 'Local';
}

function sameStrings(a: unknown, b: unknown): boolean {
  const x = strs(a);
  const y = strs(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * dropTypeDependentFields (upstream service strategy, update only): fields a type change makes
 * meaningless are cleared when the client left them as they were, so that e.g. NodePort → ClusterIP
 * or → ExternalName works with a plain patch of `type` (the allocator then releases the values).
 */
export function dropTypeDependentFields(svc: KObject, old: KObject): void {
  const spec = child(svc, 'spec');
  const oldSpec = obj(old.spec) ?? {};
  if (serviceType(oldSpec) !== 'ExternalName' && serviceType(spec) === 'ExternalName') {
    if (sameStrings(oldSpec.clusterIPs, spec.clusterIPs) && str(oldSpec.clusterIP) === str(spec.clusterIP)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameStrings(oldSpec.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (str(oldSpec.ipFamilyPolicy) === str(spec.ipFamilyPolicy)) delete spec.ipFamilyPolicy;
  }
  if (needsNodePort(oldSpec) && !needsNodePort(spec)) {
    const np = (s: Json) => objs(s.ports).map((p) => num(p.nodePort) ?? 0);
    const a = np(oldSpec);
    const b = np(spec);
    // sameNodePorts: every new port's nodePort is one the old service had (or 0)
    if (b.every((n) => n === 0 || a.includes(n))) for (const p of objs(spec.ports)) delete p.nodePort;
  }
  if (needsHealthCheckNodePort(oldSpec) && !needsHealthCheckNodePort(spec) && (num(spec.healthCheckNodePort) ?? 0) === (num(oldSpec.healthCheckNodePort) ?? 0)) {
    delete spec.healthCheckNodePort;
  }
  if (serviceType(oldSpec) === 'LoadBalancer' && serviceType(spec) !== 'LoadBalancer') {
    if (typeof spec.allocateLoadBalancerNodePorts === 'boolean' && spec.allocateLoadBalancerNodePorts === oldSpec.allocateLoadBalancerNodePorts) {
      delete spec.allocateLoadBalancerNodePorts;
    }
    if (spec.loadBalancerClass !== undefined && spec.loadBalancerClass === oldSpec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (externallyAccessible(oldSpec) && !externallyAccessible(spec) && str(spec.externalTrafficPolicy) === str(oldSpec.externalTrafficPolicy)) {
    delete spec.externalTrafficPolicy;
  }
  if (serviceType(spec) !== 'LoadBalancer') svc.status = { ...(obj(svc.status) ?? {}), loadBalancer: {} };
}
