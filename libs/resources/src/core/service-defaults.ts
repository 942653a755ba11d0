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
}
