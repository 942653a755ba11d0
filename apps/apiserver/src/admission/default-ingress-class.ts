/**
 * DefaultIngressClass (upstream admission plugin, on by default): an Ingress created without
 * spec.ingressClassName (and without the legacy `kubernetes.io/ingress.class` annotation) gets
 * the IngressClass marked `ingressclass.kubernetes.io/is-default-class: "true"`; with several,
 * the most recently created one (ties: the smallest name).
 */
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, mutatingAdmission, Store } from '../../../../libs/registry/src/store';

export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** getDefaultClass: the default IngressClass among `classes`, or undefined. */
export function pickDefaultIngressClass(classes: KObject[]): KObject | undefined {
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
  const time = (c: KObject) => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => (time(a) === time(b) ? ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1) : time(b) - time(a)));
  return defaults[0];
}

export function defaultIngressClass(ingressClasses: () => Store | undefined): AdmissionHook {
  return mutatingAdmission(async (a) => {
    if (a.operation !== 'CREATE' || a.subresource !== '' || a.def.group !== 'networking.k8s.io' || a.def.plural !== 'ingresses' || !a.object) return;
    const ing = a.object;
    const spec = (ing.spec ??= {}) as Record<string, unknown>;
    if (typeof spec.ingressClassName === 'string') return;
    if (ing.metadata.annotations && LEGACY_CLASS_ANNOTATION in ing.metadata.annotations) return;
    const store = ingressClasses();
    if (!store) return;
    const { items } = await store.list('', {});
    const def = pickDefaultIngressClass(items);
    if (def?.metadata.name) spec.ingressClassName = def.metadata.name;
  });
}
