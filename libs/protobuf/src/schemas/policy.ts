/** policy/v1 PodDisruptionBudget (Eviction lives with the workloads). */
import type { SchemaSet } from '../schema';

export const policyKinds: Record<string, string> = {
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
};

export const policySchemas: SchemaSet = {
  PodDisruptionBudget: { 1: 'metadata:ObjectMeta', 2: 'spec:PodDisruptionBudgetSpec', 3: 'status:PodDisruptionBudgetStatus' },
  PodDisruptionBudgetSpec: {
    1: 'minAvailable:IntOrString?',
    2: 'selector:LabelSelector?',
    3: 'maxUnavailable:IntOrString?',
    4: 'unhealthyPodEvictionPolicy:string?',
  },
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration:int64',
    2: 'disruptedPods:map<string,Time>',
    3: 'disruptionsAllowed:int32',
    4: 'currentHealthy:int32',
    5: 'desiredHealthy:int32',
    6: 'expectedPods:int32',
    7: 'conditions:Condition[]',
  },
};
