/** ValidateService / ValidateServiceUpdate: the everyday rules with upstream's paths and messages. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  duplicateRendered,
  goIntOrString,
  goQuote,
  goStringSlice,
  invalidRendered,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidPortNum,
  validateIP,
  validateLabels,
  validateNonSpecialIP,
} from '../../../apimachinery/src/validation';
import { Json, num, obj, objs, str, strs } from '../common/json';
import { validatePortNumOrName } from './podspec/handlers';
import { externallyAccessible, isHeadless, serviceType } from './service-defaults';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const AFFINITIES = ['ClientIP', 'None'];
const MAX_CLIENT_IP_TIMEOUT = 86400;

function validateServicePort(p: Json, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(fieldErrors.required(`${path}.name`, ''));
  else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = num(p.port) ?? 0;
  for (const m of isValidPortNum(port)) errs.push(fieldErrors.invalid(`${path}.port`, port, m));
  const protocol = str(p.protocol);
  if (!protocol) errs.push(fieldErrors.required(`${path}.protocol`, ''));
  else if (!PROTOCOLS.includes(protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, protocol, PROTOCOLS));
  errs.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
  if (typeof p.appProtocol === 'string') {
    for (const m of isQualifiedName(p.appProtocol)) errs.push(fieldErrors.invalid(`${path}.appProtocol`, p.appProtocol, m));
  }
  return errs;
}

function goServicePortKey(protocol: string, port: number, nodePort = 0): string {
  return (
    `core.ServicePort{Name:"", Protocol:${goQuote(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
    `TargetPort:${goIntOrString(0)}, NodePort:${nodePort}}`
  );
}

function validateClusterIPs(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const ips = strs(spec.clusterIPs);
  if (ips.length > 0 && str(spec.clusterIP) !== ips[0]) {
    errs.push(invalidRendered('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(invalidRendered('spec.clusterIPs', goStringSlice(ips), "'None' must be the first and only value"));
      return;
    }
    errs.push(...validateIP(`spec.clusterIPs[${i}]`, ip));
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && policy !== null && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(str(policy))) {
    errs.push(fieldErrors.notSupported('spec.ipFamilyPolicy', str(policy), ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  strs(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErrors.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
  });
  return errs;
}

export function validateService(svc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(svc.spec) ?? {};
  const ports = objs(spec.ports);
  const t = serviceType(spec);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && t !== 'ExternalName') errs.push(fieldErrors.required('spec.ports', ''));
  switch (t) {
    case 'LoadBalancer':
    case 'NodePort':
      if (headless) errs.push(fieldErrors.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${t} services`));
      break;
    case 'ExternalName': {
      if (strs(spec.clusterIPs).length > 0) errs.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (strs(spec.ipFamilies).length > 0) errs.push(fieldErrors.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) {
        errs.push(fieldErrors.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      }
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(fieldErrors.invalid('spec.externalName', cname, m));
      else errs.push(fieldErrors.required('spec.externalName', ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)));
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(fieldErrors.required('spec.sessionAffinity', ''));
  else if (!AFFINITIES.includes(affinity)) errs.push(fieldErrors.notSupported('spec.sessionAffinity', affinity, AFFINITIES));
  if (affinity === 'ClientIP') {
    const cfg = obj(spec.sessionAffinityConfig);
    const clientIP = obj(cfg?.clientIP);
    const timeout = num(clientIP?.timeoutSeconds);
    const when = 'when session affinity type is ClientIP';
    if (!cfg) errs.push(fieldErrors.required('spec.sessionAffinityConfig', when));
    else if (!clientIP) errs.push(fieldErrors.required('spec.sessionAffinityConfig.clientIP', when));
    else if (timeout === undefined) errs.push(fieldErrors.required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', when));
    else if (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT) {
      errs.push(
        fieldErrors.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`),
      );
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(fieldErrors.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPs(spec));
  strs(spec.externalIPs).forEach((ip, i) => {
    const p = `spec.externalIPs[${i}]`;
    const e = validateIP(p, ip);
    errs.push(...(e.length ? e : validateNonSpecialIP(p, ip)));
  });
  if (!t) errs.push(fieldErrors.required('spec.type', ''));
  else if (!TYPES.includes(t)) errs.push(fieldErrors.notSupported('spec.type', t, TYPES));
  if (t === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(p.nodePort) ?? 0) !== 0) errs.push(fieldErrors.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const np = num(p.nodePort) ?? 0;
    if (np === 0) return;
    const key = `${str(p.protocol)}/${np}`;
    if (nodePorts.has(key)) errs.push(fieldErrors.duplicate(`spec.ports[${i}].nodePort`, np));
    nodePorts.add(key);
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${str(p.protocol)}/${num(p.port) ?? 0}`;
    if (seen.has(key)) errs.push(duplicateRendered(`spec.ports[${i}]`, goServicePortKey(str(p.protocol), num(p.port) ?? 0)));
    seen.add(key);
  });
  if (strs(spec.loadBalancerSourceRanges).length > 0 && t !== 'LoadBalancer') {
    errs.push(fieldErrors.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (typeof spec.allocateLoadBalancerNodePorts === 'boolean' && t !== 'LoadBalancer') {
    errs.push(fieldErrors.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (t === 'LoadBalancer' && typeof spec.allocateLoadBalancerNodePorts !== 'boolean') {
    errs.push(fieldErrors.required('allocateLoadBalancerNodePorts', ''));
  }
  const etp = str(spec.externalTrafficPolicy);
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fieldErrors.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(fieldErrors.required('spec.externalTrafficPolicy', ''));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(fieldErrors.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hcnp = num(spec.healthCheckNodePort) ?? 0;
  const needsHealthCheck = t === 'LoadBalancer' && etp === 'Local';
  if (!needsHealthCheck && hcnp !== 0) {
    errs.push(
      fieldErrors.invalid('spec.healthCheckNodePort', hcnp, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    );
  }
  const itp = spec.internalTrafficPolicy;
  if ((itp === undefined || itp === null) && (t === 'NodePort' || t === 'LoadBalancer' || t === 'ClusterIP')) {
    errs.push(fieldErrors.required('spec.internalTrafficPolicy', ''));
  }
  if (typeof itp === 'string' && itp !== 'Cluster' && itp !== 'Local') {
    errs.push(fieldErrors.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  if (typeof spec.trafficDistribution === 'string' && spec.trafficDistribution !== 'PreferClose') {
    errs.push(fieldErrors.notSupported('spec.trafficDistribution', spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

export function validateServiceUpdate(svc: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(svc.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const external = serviceType(spec) === 'ExternalName' || serviceType(oldSpec) === 'ExternalName';
  if (!external && !(isHeadless(spec) && isHeadless(oldSpec))) {
    const ips = strs(spec.clusterIPs);
    const oldIPs = strs(oldSpec.clusterIPs);
    if (ips.length === oldIPs.length) {
      oldIPs.forEach((ip, i) => {
        if (ip !== ips[i]) errs.push(invalidRendered(`spec.clusterIPs[${i}]`, goStringSlice(ips), 'may not change once set'));
      });
    } else if (oldIPs.length > ips.length && ips.length === 0) {
      errs.push(invalidRendered('spec.clusterIPs[0]', goStringSlice(ips), 'primary clusterIP can not be unset'));
    } else if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) {
      errs.push(invalidRendered('spec.clusterIPs[0]', goStringSlice(ips), 'may not change once set'));
    }
  }
  return [...errs, ...validateService(svc)];
}
