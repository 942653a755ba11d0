/** The built-in resource definitions of the API server (Kubernetes 1.32 behaviour). */
import { ResourceDefinition } from '../../registry/src/resource';
import { deploymentsDefinition } from './apps/deployments';
import { replicaSetsDefinition } from './apps/replicasets';
import { leasesDefinition } from './coordination/leases';
import { configMapsDefinition } from './core/configmaps';
import { endpointsDefinition } from './core/endpoints';
import { coreEventsDefinition } from './core/events';
import { namespacesDefinition } from './core/namespaces';
import { nodesDefinition } from './core/nodes';
import { podsDefinition } from './core/pods';
import { secretsDefinition } from './core/secrets';
import { serviceAccountsDefinition } from './core/serviceaccounts';
import { servicesDefinition, ServicesOptions } from './core/services';
import { endpointSlicesDefinition } from './discovery/endpointslices';
import { eventsV1Definition } from './events/events';
import { authorizationReviewResources } from './authorization/reviews';
import { authenticationReviewResources } from './authentication/reviews';
import { rbacResources } from './rbac/rbac';
import { clusterResources } from './cluster-resources';
import { workloadResources } from './workload-resources';
import { coreExtraResources } from './core-extras-resources';

export interface BuiltinResourcesOptions {
  /** Service ClusterIP/NodePort allocation (see core/service-allocation) */
  services?: ServicesOptions;
}

export function builtinResources(opts: BuiltinResourcesOptions = {}): ResourceDefinition[] {
  return [
    namespacesDefinition(),
    configMapsDefinition(),
    secretsDefinition(),
    servicesDefinition(opts.services),
    endpointsDefinition(),
    endpointSlicesDefinition(),
    podsDefinition(),
    nodesDefinition(),
    coreEventsDefinition(),
    serviceAccountsDefinition(),
    eventsV1Definition(),
    leasesDefinition(),
    deploymentsDefinition(),
    replicaSetsDefinition(),
    ...rbacResources(),
    ...authorizationReviewResources(),
    ...authenticationReviewResources(),
    ...clusterResources(),
    ...workloadResources(),
    ...coreExtraResources(),
  ];
}

export {
  configMapsDefinition,
  coreEventsDefinition,
  deploymentsDefinition,
  endpointSlicesDefinition,
  endpointsDefinition,
  eventsV1Definition,
  leasesDefinition,
  namespacesDefinition,
  nodesDefinition,
  podsDefinition,
  replicaSetsDefinition,
  secretsDefinition,
  serviceAccountsDefinition,
  servicesDefinition,
};
export { newServiceAllocators, ServiceAllocation, type ServiceAllocators, type ServiceAllocatorsConfig } from './core/service-allocation';
export type { ServicesOptions } from './core/services';
export { humanDuration, translateTimestampSince } from './printing/age';
export { coreToEventsV1, eventsV1ToCore } from './events/conversion';
export { clusterRoleBindingsDefinition, clusterRolesDefinition, rbacResources, roleBindingsDefinition, rolesDefinition } from './rbac/rbac';
export { authorizationReviewResources } from './authorization/reviews';
export { authenticationReviewResources } from './authentication/reviews';
export * from './cluster-resources';
export * from './workload-resources';
export * from './core-extras-resources';
export { defaultPodSpec, defaultPodTemplateSpec } from './core/podspec/defaults';
export { validatePodSpec, validatePodTemplateSpec } from './core/podspec/validation';
