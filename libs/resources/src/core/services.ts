/**
 * core/v1 services (stored under services/specs, as upstream). With `allocation` (the API server
 * passes a ServiceAllocation built from its flags) ClusterIPs and NodePorts are allocated from the
 * persisted range bitmaps; without it (unit tests) single-stack IPv4 family defaults only.
 */
import { FieldError } from '../../../apimachinery/src/field-errors';
import { validateIP } from '../../../apimachinery/src/validation';
import { AllocationHook, ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str, strs } from '../common/json';
import { carryAllocatedFields, defaultIPFamilies, defaultService, dropTypeDependentFields, normalizeClusterIPsOnUpdate } from './service-defaults';
import { serviceTable } from './service-table';
import { validateService, validateServiceUpdate } from './service-validation';

export interface ServicesOptions {
  allocation?: AllocationHook;
}

export function servicesDefinition(opts: ServicesOptions = {}): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    storagePrefix: 'services/specs',
    subresources: { status: true },
    nameValidation: 'dns1035Label',
    modelType: 'V1Service',
    returnDeletedObject: true,
    strategy: {
      default: defaultService,
      prepareForCreate(svc) {
        svc.status = { loadBalancer: {} };
        // the allocator defaults the families from the configured ranges
        if (!opts.allocation) defaultIPFamilies(child(svc, 'spec'));
      },
      prepareForUpdate(svc, old) {
        svc.status = old.status;
        carryAllocatedFields(child(svc, 'spec'), obj(old.spec) ?? {});
        normalizeClusterIPsOnUpdate(child(svc, 'spec'), obj(old.spec) ?? {});
        dropTypeDependentFields(svc, old);
      },
      validate: validateService,
      validateUpdate: validateServiceUpdate,
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(svc, old) {
        svc.spec = old.spec;
      },
      validateUpdate(svc) {
        const ingress = obj(obj(svc.status)?.loadBalancer)?.ingress;
        const errs: FieldError[] = [];
        for (const [i, ing] of (Array.isArray(ingress) ? ingress : []).entries()) {
          const ip = str(obj(ing)?.ip);
          if (ip) errs.push(...validateIP(`status.loadBalancer.ingress[${i}].ip`, ip));
        }
        return errs;
      },
    },
    table: serviceTable,
    ...(opts.allocation ? { allocation: opts.allocation } : {}),
    selectableFields: (svc) => ({
      'spec.clusterIP': strs(obj(svc.spec)?.clusterIPs)[0] ?? str(obj(svc.spec)?.clusterIP),
      'spec.type': str(obj(svc.spec)?.type),
    }),
  };
}
