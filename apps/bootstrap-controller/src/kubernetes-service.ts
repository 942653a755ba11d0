/**
 * Service default/kubernetes: created when missing, never updated (upstream
 * controlplane/controller/kubernetesservice). Its ClusterIP, the first IP of the primary service
 * range, is requested explicitly so the Service registry's allocator marks it taken.
 */
import { StatusError } from '../../../libs/apimachinery/src/status';
import type { KObject } from '../../../libs/apimachinery/src/types';
import { IPRange } from '../../../libs/allocators/src/ranges';
import type { Store } from '../../../libs/registry/src/store';

export const KUBERNETES_SERVICE_NAMESPACE = 'default';
export const KUBERNETES_SERVICE_NAME = 'kubernetes';

/** The first usable IP of a service CIDR (offset 0 = network + 1), e.g. 10.96.0.1 for 10.96.0.0/12. */
export function firstServiceIP(cidr: string): string {
  return IPRange.parse(cidr).valueAt(0);
}

export function kubernetesServiceObject(clusterIP: string, securePort: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: KUBERNETES_SERVICE_NAME, namespace: KUBERNETES_SERVICE_NAMESPACE, labels: { provider: 'kubernetes', component: 'apiserver' } },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None',
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: securePort }],
    },
  };
}

/** Creates the Service when it is missing; returns true when it did. */
export async function ensureKubernetesService(services: Store, clusterIP: string, securePort: number): Promise<boolean> {
  try {
    await services.get(KUBERNETES_SERVICE_NAMESPACE, KUBERNETES_SERVICE_NAME);
    return false;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 404)) throw e;
  }
  const body = kubernetesServiceObject(clusterIP, securePort);
  services.def.strategy.default?.(body);
  try {
    await services.create(KUBERNETES_SERVICE_NAMESPACE, body);
    return true;
  } catch (e) {
    if (e instanceof StatusError && e.code === 409) return false;
    throw e;
  }
}
