/**
 * Audit annotations (upstream's audit.AddAuditAnnotation): any filter, handler or admission plugin
 * may attach `key: value` pairs to the request's audit event, e.g. the authorizer's
 * `authorization.k8s.io/decision` / `authorization.k8s.io/reason`. They appear in the
 * ResponseComplete (or Panic) event. The first value of a key wins, as upstream.
 */
import type { RequestContext } from '../http/context';

const annotations = new WeakMap<RequestContext, Record<string, string>>();

export function addAuditAnnotation(ctx: RequestContext, key: string, value: string): void {
  let a = annotations.get(ctx);
  if (!a) annotations.set(ctx, (a = {}));
  if (!(key in a)) a[key] = value;
}

export function auditAnnotationsOf(ctx: RequestContext): Record<string, string> | undefined {
  const a = annotations.get(ctx);
  return a && Object.keys(a).length > 0 ? { ...a } : undefined;
}
