/** scheduling.k8s.io/v1 PriorityClass (what `kubectl create priorityclass` sends). */
import type { SchemaSet } from '../schema';

export const schedulingKinds: Record<string, string> = {
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
};

export const schedulingSchemas: SchemaSet = {
  PriorityClass: {
    1: 'metadata:ObjectMeta',
    2: 'value:int32',
    3: 'globalDefault:bool',
    4: 'description:string',
    5: 'preemptionPolicy:string?',
  },
};
