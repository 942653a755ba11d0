/** The deployments and replica sets tables (printDeployment, printReplicaSet). */
import { KObject } from '../../../apimachinery/src/types';
import { TableConvertor } from '../../../registry/src/resource';
import { Json, int, obj } from '../common/json';
import { formatSelector } from '../common/selector';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../printing/columns';
import { layoutContainerCells, selectorString } from '../printing/format';

function parts(o: KObject): { spec: Json; status: Json; containers: { names: string; images: string } } {
  const spec = obj(o.spec) ?? {};
  return { spec, status: obj(o.status) ?? {}, containers: layoutContainerCells(obj(obj(spec.template)?.spec)?.containers) };
}

export const deploymentTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Ready pods out of desired pods.'),
    column('Up-to-date', 'string', 'Pods running the current template.'),
    column('Available', 'string', 'Pods available to serve.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'Label selector for the pods.', 1),
  ],
  cells(d, now) {
    const { spec, status, containers } = parts(d);
    return [
      d.metadata.name ?? '',
      `${int(status.readyReplicas)}/${int(spec.replicas)}`,
      int(status.updatedReplicas),
      int(status.availableReplicas),
      translateTimestampSince(d.metadata.creationTimestamp, now),
      containers.names,
      containers.images,
      selectorString(spec.selector),
    ];
  },
};

export const replicaSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'Number of desired pods.'),
    column('Current', 'integer', 'Number of pods that exist.'),
    column('Ready', 'integer', 'Number of ready pods.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'Label selector for the pods.', 1),
  ],
  cells(rs, now) {
    const { spec, status, containers } = parts(rs);
    return [
      rs.metadata.name ?? '',
      int(spec.replicas),
      int(status.replicas),
      int(status.readyReplicas),
      translateTimestampSince(rs.metadata.creationTimestamp, now),
      containers.names,
      containers.images,
      formatSelector(spec.selector),
    ];
  },
};
