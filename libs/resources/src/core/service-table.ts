/** The services table (printService): TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), SELECTOR. */
import { compareGoStrings } from '../../../apimachinery/src/selectors/go-text';
import { KObject } from '../../../apimachinery/src/types';
import { TableConvertor } from '../../../registry/src/resource';
import { Json, num, obj, objs, str, strs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { formatLabels } from '../printing/format';

const LOAD_BALANCER_WIDTH = 16;

function loadBalancerIPs(status: Json, wide: boolean): string {
  const set = new Set<string>();
  for (const ing of objs(obj(status.loadBalancer)?.ingress)) {
    if (str(ing.ip)) set.add(str(ing.ip));
    else if (str(ing.hostname)) set.add(str(ing.hostname));
  }
  let r = [...set].sort(compareGoStrings).join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

/** getServiceExternalIP (the server always prints wide). */
export function serviceExternalIP(svc: KObject, wide = true): string {
  const spec = obj(svc.spec) ?? {};
  const external = strs(spec.externalIPs);
  switch (str(spec.type)) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(obj(svc.status) ?? {}, wide);
      if (external.length > 0) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
  }
  return '<unknown>';
}

/** makePortString: "80/TCP" or "80:30080/TCP", comma separated. */
export function servicePorts(spec: Json): string {
  return objs(spec.ports)
    .map((p) => {
      const nodePort = num(p.nodePort) ?? 0;
      return nodePort > 0 ? `${num(p.port) ?? 0}:${nodePort}/${str(p.protocol)}` : `${num(p.port) ?? 0}/${str(p.protocol)}`;
    })
    .join(',');
}

export const serviceTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'How the service is exposed.'),
    column('Cluster-IP', 'string', 'Cluster-internal IP address of the service.'),
    column('External-IP', 'string', 'External addresses of the service.'),
    column('Port(s)', 'string', 'Ports the service exposes.'),
    ageColumn(),
    column('Selector', 'string', 'Labels of the pods the service routes to.', 1),
  ],
  cells(svc, now) {
    const spec = obj(svc.spec) ?? {};
    return [
      svc.metadata.name ?? '',
      str(spec.type),
      strs(spec.clusterIPs)[0] || '<none>',
      serviceExternalIP(svc),
      servicePorts(spec) || '<none>',
      translateTimestampSince(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};
