/**
 * PodSecurity (upstream admission plugin, on by default): the namespace labels
 * `pod-security.kubernetes.io/<mode>` (enforce | warn | audit) = privileged | baseline | restricted,
 * with `<mode>-version` (default `latest`), checked on pod create with pod-security-checks.ts.
 * enforce: 403 `pods "x" is forbidden: violates PodSecurity "restricted:latest": reason (detail), ...`;
 * warn: a Warning header `would violate PodSecurity "restricted:latest": ...`. The audit mode
 * (audit annotations) and the checks of workload pod templates are not implemented.
 */
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, Store } from '../../../../libs/registry/src/store';
import { currentRequest } from '../authz/request-user';
import { evaluatePod, formatFailures, Level } from './pod-security-checks';

export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
const LEVELS = new Set<Level>(['privileged', 'baseline', 'restricted']);

export interface Policy {
  level: Level;
  version: string;
}

export function policyFor(labels: Record<string, string> | undefined, mode: 'enforce' | 'warn' | 'audit'): Policy {
  const raw = labels?.[`${POD_SECURITY_LABEL_PREFIX}${mode}`];
  const level = raw && LEVELS.has(raw as Level) ? (raw as Level) : 'privileged';
  const version = labels?.[`${POD_SECURITY_LABEL_PREFIX}${mode}-version`] || 'latest';
  return { level, version };
}

/** `violates PodSecurity "restricted:latest": ...` detail for a pod, or '' when allowed. */
export function podViolation(policy: Policy, pod: KObject): string {
  const failures = evaluatePod(policy.level, pod.metadata as Record<string, unknown>, (pod.spec ?? {}) as Record<string, unknown>);
  if (!failures.length) return '';
  return `PodSecurity "${policy.level}:${policy.version}": ${formatFailures(failures)}`;
}

export function podSecurityAdmission(namespaces: () => Store | undefined): AdmissionHook {
  return async (a) => {
    if (a.operation !== 'CREATE' || a.subresource !== '' || a.def.group !== '' || a.def.plural !== 'pods' || !a.object || !a.namespace) return;
    const store = namespaces();
    if (!store) return;
    let ns: KObject;
    try {
      ns = await store.get('', a.namespace);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return; // NamespaceLifecycle answers this
      throw e;
    }
    const labels = ns.metadata.labels;
    const enforce = policyFor(labels, 'enforce');
    const warn = policyFor(labels, 'warn');
    if (warn.level !== 'privileged' && (warn.level !== enforce.level || warn.version !== enforce.version)) {
      const v = podViolation(warn, a.object);
      if (v) (currentRequest() as { warnings?: string[] } | undefined)?.warnings?.push(`would violate ${v}`);
    }
    if (enforce.level !== 'privileged') {
      const v = podViolation(enforce, a.object);
      if (v) throw errors.forbidden({ group: '', resource: 'pods' }, a.name, `violates ${v}`);
    }
  };
}
