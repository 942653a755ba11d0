/** SetDefaults for autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers (upstream 1.32). */
import { KObject } from '../../../apimachinery/src/types';
import { child, Json, num, obj, objs } from '../common/json';

/** autoscaling.DefaultCPUUtilization */
export const DEFAULT_CPU_UTILIZATION = 80;

function scaleUpDefaults(): Json {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

/** scale-down stabilization stays unset: the controller's --horizontal-pod-autoscaler-downscale-stabilization applies */
function scaleDownDefaults(): Json {
  return { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

/** copyHPAScalingRules: the set fields of `from` over the defaults */
function generateRules(from: unknown, defaults: Json): Json {
  const rules = obj(from);
  if (!rules) return defaults;
  const out: Json = { ...rules };
  if (num(rules.stabilizationWindowSeconds) === undefined && 'stabilizationWindowSeconds' in defaults) {
    out.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  }
  if (typeof rules.selectPolicy !== 'string') out.selectPolicy = defaults.selectPolicy;
  if (!Array.isArray(rules.policies)) out.policies = defaults.policies;
  // keep the HPAScalingRules field order
  const ordered: Json = {};
  for (const k of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) if (out[k] !== undefined) ordered[k] = out[k];
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

/** SetDefaults_HorizontalPodAutoscaler (v2) + SetDefaults_HorizontalPodAutoscalerBehavior */
export function defaultHPAV2(hpa: KObject): void {
  const spec = child(hpa, 'spec');
  if (num(spec.minReplicas) === undefined) spec.minReplicas = 1;
  if (objs(spec.metrics).length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const behavior = obj(spec.behavior);
  if (behavior) {
    behavior.scaleUp = generateRules(behavior.scaleUp, scaleUpDefaults());
    behavior.scaleDown = generateRules(behavior.scaleDown, scaleDownDefaults());
  }
}

/** SetDefaults_HorizontalPodAutoscaler (v1): minReplicas 1 (the CPU default is applied in conversion) */
export function defaultHPAV1(hpa: KObject): void {
  const spec = child(hpa, 'spec');
  if (num(spec.minReplicas) === undefined) spec.minReplicas = 1;
}
