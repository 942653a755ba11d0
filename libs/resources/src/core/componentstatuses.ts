/**
 * core/v1 component statuses (deprecated since 1.19, still served by 1.32): read-only, nothing
 * stored — the objects are computed at read time from probes of etcd, the scheduler and the
 * controller manager (apps/apiserver handlers/componentstatuses.ts does the probing).
 */
import { ResourceDefinition } from '../../../registry/src/resource';
import { objs, str } from '../common/json';
import { column, nameColumn } from '../printing/columns';

export const COMPONENT_STATUS_WARNING = 'v1 ComponentStatus is deprecated in v1.19+';

export interface ComponentProbeResult {
  name: string;
  healthy: boolean;
  message: string;
  error: string;
}

/** The ComponentStatus object for one probe result. */
export function componentStatusObject(r: ComponentProbeResult): Record<string, unknown> {
  const condition: Record<string, unknown> = { type: 'Healthy', status: r.healthy ? 'True' : 'False' };
  if (r.message) condition.message = r.message;
  if (r.error) condition.error = r.error;
  return { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: r.name, creationTimestamp: null }, conditions: [condition] };
}

export function componentStatusesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'ComponentStatus',
    plural: 'componentstatuses',
    singular: 'componentstatus',
    namespaced: false,
    shortNames: ['cs'],
    verbs: ['get', 'list'],
    modelType: 'V1ComponentStatus',
    strategy: {},
    table: {
      columns: [
        nameColumn(),
        column('Status', 'string', 'Status of the component conditions'),
        column('Message', 'string', 'Message of the component conditions'),
        column('Error', 'string', 'Error of the component conditions'),
      ],
      cells(cs) {
        let status = 'Unknown';
        let message = '';
        let error = '';
        for (const c of objs((cs as Record<string, unknown>).conditions)) {
          if (str(c.type) !== 'Healthy') continue;
          status = str(c.status) === 'True' ? 'Healthy' : 'Unhealthy';
          message = str(c.message);
          error = str(c.error);
          break;
        }
        return [cs.metadata.name ?? '', status, message, error];
      },
    },
  };
}
