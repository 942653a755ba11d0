/** networking/validation ValidateIngress* (Kubernetes 1.32): rules, paths, backends, TLS hosts, class name. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  invalidRendered,
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  parseIPSloppy,
  regexError,
} from '../../../apimachinery/src/validation';
import { Json, obj, objs, str, strs } from '../common/json';

const wildcardDNS1123SubdomainFmt = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const wildcardRegexp = new RegExp(`^${wildcardDNS1123SubdomainFmt}$`);

/** IsWildcardDNS1123Subdomain */
export function isWildcardDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push('must be no more than 253 characters');
  if (!wildcardRegexp.test(value)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        wildcardDNS1123SubdomainFmt,
        '*.example.com',
      ),
    );
  }
  return errs;
}

const SUPPORTED_PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (parseIPSloppy(host)) errs.push(fieldErrors.invalid(path, host, 'must be a DNS name, not an IP address'));
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of msgs) errs.push(fieldErrors.invalid(path, host, m));
  return errs;
}

export function validateIngressBackend(backend: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const resource = obj(backend.resource);
  const service = obj(backend.service);
  if (resource && service) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (resource) {
    if (!str(resource.kind)) errs.push(fieldErrors.required(`${path}.resource.kind`, ''));
    if (!str(resource.name)) errs.push(fieldErrors.required(`${path}.resource.name`, ''));
    if (resource.apiGroup !== undefined && resource.apiGroup !== null) {
      for (const m of isDNS1123Subdomain(str(resource.apiGroup))) errs.push(fieldErrors.invalid(`${path}.resource.apiGroup`, resource.apiGroup, m));
    }
    return errs;
  }
  if (service) {
    const name = str(service.name);
    if (!name) errs.push(fieldErrors.required(`${path}.service.name`, ''));
    else for (const m of isDNS1035Label(name)) errs.push(fieldErrors.invalid(`${path}.service.name`, name, m));
    const port = obj(service.port) ?? {};
    const portName = str(port.name);
    const portNumber = typeof port.number === 'number' ? port.number : 0;
    if (portName && portNumber) errs.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
    else if (portName) for (const m of isValidPortName(portName)) errs.push(fieldErrors.invalid(`${path}.service.port.name`, portName, m));
    else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(fieldErrors.invalid(`${path}.service.port.number`, portNumber, m));
    else errs.push(fieldErrors.required(path, 'port name or number is required'));
    return errs;
  }
  return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
}

function validateHTTPIngressPath(p: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.pathType === undefined || p.pathType === null) return [fieldErrors.required(`${path}.pathType`, 'pathType must be specified')];
  const pathType = str(p.pathType);
  const value = str(p.path);
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
      if (value.length > 0) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fieldErrors.invalid(`${path}.path`, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(fieldErrors.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value.length > 0 && !value.startsWith('/')) errs.push(fieldErrors.invalid(`${path}.path`, value, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErrors.notSupported(`${path}.pathType`, pathType, SUPPORTED_PATH_TYPES));
  }
  errs.push(...validateIngressBackend(obj(p.backend) ?? {}, `${path}.backend`));
  return errs;
}

function validateRules(rules: Json[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const rp = `${path}[${i}]`;
    const host = str(rule.host);
    if (host) errs.push(...validateHost(host, `${rp}.host`));
    const http = obj(rule.http);
    if (http) {
      const paths = objs(http.paths);
      if (paths.length === 0) errs.push(fieldErrors.required(`${rp}.http.paths`, ''));
      paths.forEach((p, j) => errs.push(...validateHTTPIngressPath(p, `${rp}.http.paths[${j}]`)));
    }
  });
  return errs;
}

export function validateIngress(ing: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(ing.spec) ?? {};
  const rules = objs(spec.rules);
  const backend = obj(spec.defaultBackend);
  if (rules.length === 0 && !backend) {
    const rendered = Array.isArray(spec.rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
    errs.push(invalidRendered('spec', rendered, 'either `defaultBackend` or `rules` must be specified'));
  }
  if (backend) errs.push(...validateIngressBackend(backend, 'spec.defaultBackend'));
  errs.push(...validateRules(rules, 'spec.rules'));
  objs(spec.tls).forEach((tls, i) => {
    strs(tls.hosts).forEach((h, j) => {
      const msgs = h.includes('*') ? isWildcardDNS1123Subdomain(h) : isDNS1123Subdomain(h);
      for (const m of msgs) errs.push(fieldErrors.invalid(`spec.tls[${i}].hosts[${j}]`, h, m));
    });
  });
  if (typeof spec.ingressClassName === 'string') {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(fieldErrors.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

function validateLoadBalancerIngress(lb: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ip = str(lb.ip);
  if (ip && !parseIPSloppy(ip)) errs.push(fieldErrors.invalid(`${path}.ip`, ip, 'must be a valid IP address'));
  const hostname = str(lb.hostname);
  if (hostname) {
    for (const m of isDNS1123Subdomain(hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, hostname, m));
    if (parseIPSloppy(hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, hostname, 'must be a DNS name, not an IP address'));
  }
  return errs;
}

export function validateIngressStatus(ing: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = obj(ing.status);
  objs(obj(status?.loadBalancer)?.ingress).forEach((lb, i) => errs.push(...validateLoadBalancerIngress(lb, `status.loadBalancer.ingress[${i}]`)));
  return errs;
}
