/**
 * ValidatePodSpec and ValidatePodTemplateSpec: the everyday rules, with upstream's order, paths
 * and messages. Pods pass `resourceIsPod` for the pod-only rules.
 */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  validateAnnotations,
  validateIP,
  validateLabels,
} from '../../../../apimachinery/src/validation';
import { Json, bool, num, obj, objs, str } from '../../common/json';
import { validateContainers, validateInitContainers } from './container-validation';
import { validateTolerations } from './tolerations';
import { validateContainerSecurityContexts, validatePodSecurityContext } from './security-context-validation';
import { validateVolumes } from './volume-validation';

export interface PodSpecValidationOptions {
  /** the spec belongs to a Pod, not a template embedded in another resource */
  resourceIsPod?: boolean;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const MAX_INT32 = 2147483647;

function validateHostNetworkDeps(spec: Json, path: string, opts: PodSpecValidationOptions): FieldError[] {
  if (!bool(spec.hostNetwork)) return [];
  const errs: FieldError[] = [];
  objs(spec.containers).forEach((c, i) => {
    objs(c.ports).forEach((port, j) => {
      const hp = num(port.hostPort) ?? 0;
      const cp = num(port.containerPort) ?? 0;
      if ((opts.resourceIsPod || hp !== 0) && hp !== cp) {
        errs.push(fieldErrors.invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateDNSConfig(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const cfg = obj(spec.dnsConfig);
  if (str(spec.dnsPolicy) === 'None') {
    if (!cfg) return [fieldErrors.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!Array.isArray(cfg.nameservers) || cfg.nameservers.length === 0) {
      return [fieldErrors.required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (cfg && Array.isArray(cfg.nameservers)) {
    cfg.nameservers.forEach((ns, i) => errs.push(...validateIP(`${path}.nameservers[${i}]`, str(ns))));
  }
  return errs;
}

export function validatePodSpec(spec: Json, path: string, opts: PodSpecValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  const grace = num(spec.terminationGracePeriodSeconds);
  if (grace === undefined) errs.push(fieldErrors.required(`${path}.terminationGracePeriodSeconds`, ''));
  const vols = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...vols.errs);
  errs.push(...validateContainers(spec.containers, vols.names, grace, `${path}.containers`));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, vols.names, grace, `${path}.initContainers`));
  errs.push(...validateHostNetworkDeps(spec, path, opts));

  const restartPolicy = str(spec.restartPolicy);
  if (!restartPolicy) errs.push(fieldErrors.required(`${path}.restartPolicy`, ''));
  else if (!RESTART_POLICIES.includes(restartPolicy)) errs.push(fieldErrors.notSupported(`${path}.restartPolicy`, restartPolicy, RESTART_POLICIES));
  const dnsPolicy = str(spec.dnsPolicy);
  if (!dnsPolicy) errs.push(fieldErrors.required(`${path}.dnsPolicy`, ''));
  else if (!DNS_POLICIES.includes(dnsPolicy)) errs.push(fieldErrors.notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  errs.push(...validateDNSConfig(spec, `${path}.dnsConfig`));
  objs(spec.readinessGates).forEach((g, i) => {
    const t = str(g.conditionType);
    for (const m of isQualifiedName(t)) errs.push(fieldErrors.invalid(`${path}.readinessGates[${i}].conditionType`, t, m));
  });
  const gates = new Set<string>();
  objs(spec.schedulingGates).forEach((g, i) => {
    const n = str(g.name);
    for (const m of isQualifiedName(n)) errs.push(fieldErrors.invalid(`${path}.schedulingGates[${i}]`, n, m));
    if (gates.has(n)) errs.push(fieldErrors.duplicate(`${path}.schedulingGates[${i}]`, n));
    gates.add(n);
  });

  const sa = str(spec.serviceAccountName);
  if (sa) for (const m of isDNS1123Subdomain(sa)) errs.push(fieldErrors.invalid(`${path}.serviceAccountName`, sa, m));
  const nodeName = str(spec.nodeName);
  if (nodeName) for (const m of isDNS1123Subdomain(nodeName)) errs.push(fieldErrors.invalid(`${path}.nodeName`, nodeName, m));
  const ads = num(spec.activeDeadlineSeconds);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) {
    errs.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, ads, inclusiveRangeError(1, MAX_INT32)));
  }
  const hostname = str(spec.hostname);
  if (hostname) for (const m of isDNS1123Label(hostname)) errs.push(fieldErrors.invalid(`${path}.hostname`, hostname, m));
  const subdomain = str(spec.subdomain);
  if (subdomain) for (const m of isDNS1123Label(subdomain)) errs.push(fieldErrors.invalid(`${path}.subdomain`, subdomain, m));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  errs.push(...validatePodSecurityContext(spec.securityContext, `${path}.securityContext`));
  errs.push(...validateContainerSecurityContexts(spec, path));
  const pcn = str(spec.priorityClassName);
  if (pcn) for (const m of isDNS1123Subdomain(pcn)) errs.push(fieldErrors.invalid(`${path}.priorityClassName`, pcn, m));
  const os = obj(spec.os);
  if (os) {
    const name = str(os.name);
    if (!name) errs.push(fieldErrors.required(`${path}.os.name`, 'cannot be empty'));
    else if (name !== 'linux' && name !== 'windows') errs.push(fieldErrors.notSupported(`${path}.os`, name, ['linux', 'windows']));
  }
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations and the pod spec. */
export function validatePodTemplateSpec(template: Json, path: string): FieldError[] {
  const meta = obj(template.metadata) ?? {};
  const errs = validateLabels(meta.labels, `${path}.labels`);
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  const spec = obj(template.spec) ?? {};
  errs.push(...validatePodSpec(spec, `${path}.spec`));
  if (objs(spec.ephemeralContainers).length > 0) {
    errs.push(fieldErrors.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}
