/**
 * The system namespaces loop: default, kube-system, kube-public and kube-node-lease are created
 * when missing (at start, then every minute). Present ones (even terminating) cause no writes;
 * AlreadyExists from a racing replica counts as success.
 */
import { StatusError } from '../../../libs/apimachinery/src/status';
import type { Store } from '../../../libs/registry/src/store';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Returns the namespaces it created. */
export async function ensureSystemNamespaces(namespaces: Store, names = SYSTEM_NAMESPACES): Promise<string[]> {
  const created: string[] = [];
  for (const name of names) {
    try {
      await namespaces.get('', name);
      continue;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    try {
      const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      namespaces.def.strategy.default?.(obj);
      await namespaces.create('', obj);
      created.push(name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) continue;
      throw e;
    }
  }
  return created;
}
