/** upstream's standard resource names (pkg/apis/core/helper): object counts and compute resources. */

/** the object-count resources of a quota; their quantities must be integers */
export const STANDARD_OBJECT_COUNT_RESOURCES = [
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
] as const;

/** compute and storage resources */
export const STANDARD_COMPUTE_RESOURCES = ['cpu', 'memory', 'ephemeral-storage', 'storage'] as const;
