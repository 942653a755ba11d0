/**
 * Priority (upstream admission plugin, on by default):
 * - pods: on create, spec.priority (and spec.preemptionPolicy) come from the pod's
 *   priorityClassName, or from the global default class (lowest value), else priority 0 and
 *   PreemptLowerPriority; a missing class is 403; a conflicting given priority is 403. Updates
 *   keep the stored values when the new object omits them.
 * - priorityclasses: only one class may be globalDefault; the system classes cannot be deleted.
 */
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, mutatingAdmission, Store } from '../../../../libs/registry/src/store';
import { SYSTEM_PRIORITY_CLASSES } from '../../../../libs/resources/src';

type Spec = Record<string, unknown>;
const CACHE_MS = 1000;

/** getDefaultPriorityClass: the globalDefault class with the lowest value, if any. */
export function defaultPriorityClass(classes: KObject[]): KObject | undefined {
  let best: KObject | undefined;
  for (const c of classes) {
    if (c.globalDefault !== true) continue;
    if (!best || (c.value as number) < (best.value as number)) best = c;
  }
  return best;
}

export function priorityAdmission(priorityClasses: () => Store | undefined): AdmissionHook {
  // a short-lived cache (upstream reads an informer) so a burst of pod creates costs one list
  let cached: { at: number; items: KObject[] } | undefined;
  const listClasses = async (fresh = false): Promise<KObject[]> => {
    if (!fresh && cached && Date.now() - cached.at < CACHE_MS) return cached.items;
    const store = priorityClasses();
    const items = store ? (await store.list('', {})).items : [];
    cached = { at: Date.now(), items };
    return items;
  };
  return mutatingAdmission(async (a) => {
    const gr = { group: a.def.group, resource: a.def.plural };
    if (a.operation === 'DELETE' && a.subresource === '' && a.def.group === 'scheduling.k8s.io' && a.def.plural === 'priorityclasses') {
      // the REST storage's Delete (not admission upstream): the system classes stay
      if (SYSTEM_PRIORITY_CLASSES.some((c) => c.name === a.name)) throw errors.forbidden(gr, a.name, 'this is a system priority class and cannot be deleted');
      return;
    }
    if (a.subresource !== '' || !a.object) return;
    if (a.def.group === '' && a.def.plural === 'pods') {
      const spec = (a.object.spec ?? {}) as Spec;
      if (a.operation === 'UPDATE') {
        const old = (a.oldObject?.spec ?? {}) as Spec;
        if (spec.priority === undefined && old.priority !== undefined) spec.priority = old.priority;
        if (spec.preemptionPolicy === undefined && old.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
        return;
      }
      if (a.operation !== 'CREATE') return;
      let priority = 0;
      let preemptionPolicy: unknown = 'PreemptLowerPriority';
      const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
      if (!name) {
        const def = defaultPriorityClass(await listClasses());
        if (def) {
          spec.priorityClassName = def.metadata.name;
          priority = def.value as number;
          preemptionPolicy = def.preemptionPolicy;
        }
      } else {
        const store = priorityClasses();
        let pc: KObject | undefined;
        try {
          pc = store ? await store.get('', name) : undefined;
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) throw e;
        }
        if (!pc) throw errors.forbidden(gr, a.name, `no PriorityClass with name ${name} was found`);
        priority = typeof pc.value === 'number' ? pc.value : 0;
        preemptionPolicy = pc.preemptionPolicy;
      }
      if (typeof spec.priority === 'number' && spec.priority !== priority) {
        throw errors.forbidden(
          gr,
          a.name,
          `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
        );
      }
      spec.priority = priority;
      if (typeof preemptionPolicy === 'string') {
        if (typeof spec.preemptionPolicy === 'string' && spec.preemptionPolicy !== preemptionPolicy) {
          throw errors.forbidden(
            gr,
            a.name,
            `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${preemptionPolicy} from the given PriorityClass name`,
          );
        }
        spec.preemptionPolicy = preemptionPolicy;
      }
      a.object.spec = spec;
      return;
    }
    if (a.def.group === 'scheduling.k8s.io' && a.def.plural === 'priorityclasses' && (a.operation === 'CREATE' || a.operation === 'UPDATE')) {
      cached = undefined;
      if (a.object.globalDefault !== true) return;
      const def = defaultPriorityClass(await listClasses(true));
      if (def && (a.operation === 'CREATE' || def.metadata.name !== a.name)) {
        throw errors.forbidden(gr, a.name, `PriorityClass ${def.metadata.name} is already marked as default. Only one default can exist`);
      }
    }
  });
}
