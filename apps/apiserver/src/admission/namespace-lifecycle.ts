/**
 * NamespaceLifecycle (upstream admission plugin, on by default): no objects may be created in a
 * namespace that does not exist or is terminating, and the system namespaces cannot be deleted.
 * Namespace lookups are cached for a moment so a burst of creates costs one read.
 */
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, Store } from '../../../../libs/registry/src/store';

const IMMORTAL = new Set(['default', 'kube-system', 'kube-public']);
const CACHE_MS = 1000;

export function namespaceLifecycle(namespaces: () => Store): AdmissionHook {
  const cache = new Map<string, { at: number; ns: KObject | null }>();
  const lookup = async (name: string): Promise<KObject | null> => {
    const hit = cache.get(name);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.ns;
    let ns: KObject | null = null;
    try {
      ns = await namespaces().get('', name);
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    cache.set(name, { at: Date.now(), ns });
    if (cache.size > 10_000) cache.clear();
    return ns;
  };
  return async (a) => {
    if (a.def.group === '' && a.def.plural === 'namespaces') {
      cache.delete(a.name);
      if (a.operation === 'DELETE' && IMMORTAL.has(a.name)) {
        throw errors.forbidden({ group: '', resource: 'namespaces' }, a.name, 'this namespace may not be deleted');
      }
      return;
    }
    if (a.operation !== 'CREATE' || !a.def.namespaced || !a.namespace) return;
    const ns = await lookup(a.namespace);
    if (!ns) {
      // a namespace may have just been created by another replica: re-check once without the cache
      cache.delete(a.namespace);
      if (!(await lookup(a.namespace))) throw errors.notFound({ group: '', resource: 'namespaces' }, a.namespace);
      return;
    }
    const phase = (ns.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Terminating' || ns.metadata.deletionTimestamp) {
      throw errors.forbidden(
        { group: a.def.group, resource: a.def.plural },
        a.name,
        `unable to create new content in namespace ${a.namespace} because it is being terminated`,
      );
    }
  };
}
