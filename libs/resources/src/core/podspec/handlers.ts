/** Probe and lifecycle handler validation (validateProbe, validateHandler and friends). */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { isHTTPHeaderName, isValidPortName, isValidPortNum, validateNonnegativeField } from '../../../../apimachinery/src/validation';
import { Json, num, obj, objs, str } from '../../common/json';

const HANDLER_KINDS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;

/** ValidatePortNumOrName for an IntOrString port. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fieldErrors.invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => fieldErrors.invalid(path, port, m));
  return isValidPortNum(0).map((m) => fieldErrors.invalid(path, 0, m));
}

function validateHandler(h: Json, path: string, allowed: readonly string[], gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of HANDLER_KINDS) {
    const v = obj(h[kind]);
    if (!v || !allowed.includes(kind)) continue;
    const p = `${path}.${kind}`;
    if (count > 0) {
      errs.push(fieldErrors.forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    switch (kind) {
      case 'exec':
        if (!Array.isArray(v.command) || v.command.length === 0) errs.push(fieldErrors.required(`${p}.command`, ''));
        break;
      case 'httpGet': {
        if (!str(v.path)) errs.push(fieldErrors.required(`${p}.path`, ''));
        errs.push(...validatePortNumOrName(v.port, `${p}.port`));
        const scheme = str(v.scheme);
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(fieldErrors.notSupported(`${p}.scheme`, scheme, ['HTTP', 'HTTPS']));
        for (const header of objs(v.httpHeaders)) {
          for (const m of isHTTPHeaderName(str(header.name))) errs.push(fieldErrors.invalid(`${p}.httpHeaders`, str(header.name), m));
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(v.port, `${p}.port`));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(num(v.port) ?? 0, `${p}.port`));
        break;
      case 'sleep': {
        const seconds = num(v.seconds) ?? 0;
        if (gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)) {
          errs.push(
            fieldErrors.invalid(
              `${p}.seconds`,
              seconds,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateProbe(p: Json, path: string, gracePeriod: number | undefined): FieldError[] {
  const errs = validateHandler(p, path, PROBE_HANDLERS, gracePeriod);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegativeField(num(p[f]) ?? 0, `${path}.${f}`));
  }
  const tgp = num(p.terminationGracePeriodSeconds);
  if (tgp !== undefined && tgp <= 0) errs.push(fieldErrors.invalid(`${path}.terminationGracePeriodSeconds`, tgp, 'must be greater than 0'));
  return errs;
}

export function validateLivenessProbe(p: Json | undefined, path: string, gracePeriod: number | undefined): FieldError[] {
  if (!p) return [];
  const errs = validateProbe(p, path, gracePeriod);
  const st = num(p.successThreshold) ?? 0;
  if (st !== 1) errs.push(fieldErrors.invalid(`${path}.successThreshold`, st, 'must be 1'));
  return errs;
}

export const validateStartupProbe = validateLivenessProbe;

export function validateReadinessProbe(p: Json | undefined, path: string, gracePeriod: number | undefined): FieldError[] {
  if (!p) return [];
  const errs = validateProbe(p, path, gracePeriod);
  if (p.terminationGracePeriodSeconds !== undefined && p.terminationGracePeriodSeconds !== null) {
    errs.push(fieldErrors.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  return errs;
}

export function validateLifecycle(l: Json, path: string, gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const postStart = obj(l.postStart);
  const preStop = obj(l.preStop);
  if (postStart) errs.push(...validateHandler(postStart, `${path}.postStart`, LIFECYCLE_HANDLERS, gracePeriod));
  if (preStop) errs.push(...validateHandler(preStop, `${path}.preStop`, LIFECYCLE_HANDLERS, gracePeriod));
  return errs;
}
