/** A few resource definitions for the tests of this library (the real ones live in libs/resources). */
import { ResourceDefinition } from '../../../registry/src/resource';

const base = { strategy: {} };

export const SAMPLE_RESOURCES: ResourceDefinition[] = [
  { ...base, group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'], modelType: 'V1ConfigMap' },
  {
    ...base,
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    namespaced: true,
    shortNames: ['po'],
    subresources: { status: true },
    modelType: 'V1Pod',
  },
  {
    ...base,
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: { status: true },
    modelType: 'V1Namespace',
  },
  {
    ...base,
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    subresources: { status: true, scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'status.selector' } },
    modelType: 'V1Deployment',
  },
  { ...base, group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true, modelType: 'V1Lease' },
  { ...base, group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], modelType: 'EventsV1Event' },
];

/** A custom resource without a client-node model. */
export const SAMPLE_CUSTOM_RESOURCE: ResourceDefinition = {
  ...base,
  group: 'stable.example.com',
  version: 'v1',
  kind: 'CronTab',
  plural: 'crontabs',
  singular: 'crontab',
  namespaced: true,
};
