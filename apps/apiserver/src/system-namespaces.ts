/**
 * Makes sure the system namespaces exist once the replica starts (default, kube-system,
 * kube-public, kube-node-lease). The bootstrap controller will own this and re-check every
 * minute; until then each replica does it once at start. AlreadyExists counts as success.
 */
import { StatusError } from '../../../libs/apimachinery/src/status';
import { Store } from '../../../libs/registry/src/store';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(namespaces: Store): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    try {
      const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
      namespaces.def.strategy.default?.(obj);
      await namespaces.create('', obj);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) continue;
      throw e;
    }
  }
}
