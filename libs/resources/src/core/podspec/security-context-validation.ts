/**
 * ValidatePodSecurityContext and ValidateSecurityContext (the user and group ID checks): runAsUser,
 * runAsGroup, fsGroup and supplementalGroups must be valid Linux IDs (0..2147483647).
 */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { inclusiveRangeError } from '../../../../apimachinery/src/validation';
import { Json, num, obj, objs } from '../../common/json';

const MAX_ID = 2147483647;

function checkID(v: unknown, path: string, errs: FieldError[]): void {
  const n = num(v);
  if (n !== undefined && (n < 0 || n > MAX_ID)) errs.push(fieldErrors.invalid(path, n, inclusiveRangeError(0, MAX_ID)));
}

/** the pod-level securityContext */
export function validatePodSecurityContext(sc: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = obj(sc);
  if (!s) return errs;
  checkID(s.fsGroup, `${path}.fsGroup`, errs);
  checkID(s.runAsUser, `${path}.runAsUser`, errs);
  checkID(s.runAsGroup, `${path}.runAsGroup`, errs);
  (Array.isArray(s.supplementalGroups) ? s.supplementalGroups : []).forEach((g, i) => checkID(g, `${path}.supplementalGroups[${i}]`, errs));
  return errs;
}

/** every container's and init container's securityContext IDs */
export function validateContainerSecurityContexts(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    objs(spec[list]).forEach((c, i) => {
      const s = obj(c.securityContext);
      if (!s) return;
      const p = `${path}.${list}[${i}].securityContext`;
      checkID(s.runAsUser, `${p}.runAsUser`, errs);
      checkID(s.runAsGroup, `${p}.runAsGroup`, errs);
    });
  }
  return errs;
}
