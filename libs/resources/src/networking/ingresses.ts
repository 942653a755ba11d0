/** networking.k8s.io/v1 ingresses: status subresource, upstream validation and table. */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { arr, child, obj, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateIngress, validateIngressStatus } from './ingress-validation';

/** formatHosts: the rules' hosts (at most 3 shown), "*" when none. */
export function formatIngressHosts(rules: unknown): string {
  const list = objs(rules)
    .map((r) => str(r.host))
    .filter((h) => h !== '');
  if (list.length === 0) return '*';
  const max = 3;
  let ret = list.slice(0, max).join(',');
  if (list.length > max) ret = `${ret} + ${list.length - max} more...`;
  return ret;
}

/** ingressLoadBalancerStatusStringer */
export function ingressAddress(ing: KObject, wide = false): string {
  const out = objs(obj(obj(ing.status)?.loadBalancer)?.ingress)
    .map((lb) => str(lb.ip) || str(lb.hostname))
    .filter((s) => s !== '');
  const r = out.join(',');
  if (!wide && r.length > 50) return `${r.slice(0, 47)}...`;
  return r;
}

export function ingressesDefinition(): ResourceDefinition {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    singular: 'ingress',
    namespaced: true,
    shortNames: ['ing'],
    storagePrefix: 'ingress',
    modelType: 'V1Ingress',
    tracksGeneration: true,
    subresources: { status: true },
    strategy: {
      default: (ing) => {
        child(ing, 'spec');
      },
      prepareForCreate: (ing) => {
        ing.status = { loadBalancer: {} };
      },
      validate: validateIngress,
    },
    statusStrategy: { validateUpdate: (ing) => validateIngressStatus(ing) },
    table: {
      columns: [
        nameColumn(),
        column('Class', 'string', 'The name of the IngressClass resource that should be used by this Ingress.'),
        column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
        column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
        column('Ports', 'string', 'Ports of TLS configurations that open'),
        ageColumn(),
      ],
      cells: (ing, now) => {
        const spec = obj(ing.spec) ?? {};
        return [
          ing.metadata.name ?? '',
          typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>',
          formatIngressHosts(spec.rules),
          ingressAddress(ing),
          arr(spec.tls).length > 0 ? '80, 443' : '80',
          translateTimestampSince(ing.metadata.creationTimestamp, now),
        ];
      },
    },
  };
}
