/** core/v1 services (stored under services/specs, as upstream). ClusterIP allocation is not done here. */
import { FieldError } from '../../../apimachinery/src/field-errors';
import { validateIP } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str, strs } from '../common/json';
import { carryAllocatedFields, defaultIPFamilies, defaultService } from './service-defaults';
import { serviceTable } from './service-table';
import { validateService, validateServiceUpdate } from './service-validation';

export function servicesDefinition(): ResourceDefinition {
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
        defaultIPFamilies(child(svc, 'spec'));
      },
      prepareForUpdate(svc, old) {
        svc.status = old.status;
        carryAllocatedFields(child(svc, 'spec'), obj(old.spec) ?? {});
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
    selectableFields: (svc) => ({
      'spec.clusterIP': strs(obj(svc.spec)?.clusterIPs)[0] ?? str(obj(svc.spec)?.clusterIP),
      'spec.type': str(obj(svc.spec)?.type),
    }),
  };
}
