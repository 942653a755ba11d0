/** printStatefulSet, printDaemonSet and printControllerRevision of kubectl 1.32's server-side printers. */
import { KObject } from '../../../apimachinery/src/types';
import { TableConvertor } from '../../../registry/src/resource';
import { int, obj, objs, str } from '../common/json';
import { formatSelector } from '../common/selector';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../printing/columns';
import { formatLabels, layoutContainerCells } from '../printing/format';

function templateSpec(o: KObject) {
  return obj(obj(obj(o.spec)?.template)?.spec) ?? {};
}

export const statefulSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  cells(s, now) {
    const spec = obj(s.spec) ?? {};
    const status = obj(s.status) ?? {};
    const c = layoutContainerCells(templateSpec(s).containers);
    return [
      s.metadata.name ?? '',
      `${int(status.readyReplicas)}/${int(spec.replicas)}`,
      translateTimestampSince(s.metadata.creationTimestamp, now),
      c.names,
      c.images,
    ];
  },
};

export const daemonSetTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    column('Current', 'integer', 'The number of nodes that are running at least one daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running the updated daemon pod.'),
    column('Available', 'integer', 'The number of nodes running the daemon pod that are available.'),
    column('Node Selector', 'string', 'The node selector of the pod template.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', 'Label selector for the pods.', 1),
  ],
  cells(ds, now) {
    const status = obj(ds.status) ?? {};
    const tspec = templateSpec(ds);
    const c = layoutContainerCells(tspec.containers);
    return [
      ds.metadata.name ?? '',
      int(status.desiredNumberScheduled),
      int(status.currentNumberScheduled),
      int(status.numberReady),
      int(status.updatedNumberScheduled),
      int(status.numberAvailable),
      formatLabels(tspec.nodeSelector),
      translateTimestampSince(ds.metadata.creationTimestamp, now),
      c.names,
      c.images,
      formatSelector(obj(ds.spec)?.selector),
    ];
  },
};

/** "<Kind>.<group>/<name>" of the controller owner reference (formatResourceName with kind). */
function controllerName(o: KObject): string {
  const ref = objs(o.metadata.ownerReferences).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion = str(ref.apiVersion);
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = group ? `${str(ref.kind)}.${group}` : str(ref.kind);
  return `${kind}/${str(ref.name)}`;
}

export const controllerRevisionTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision of the ControllerRevision'),
    ageColumn(),
  ],
  cells: (cr, now) => [cr.metadata.name ?? '', controllerName(cr), int(cr.revision), translateTimestampSince(cr.metadata.creationTimestamp, now)],
};
