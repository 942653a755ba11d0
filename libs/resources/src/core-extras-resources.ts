/** The remaining core/v1 resources and autoscaling HorizontalPodAutoscalers (v2 storage, v1 converted). */
import { ResourceDefinition } from '../../registry/src/resource';
import { hpaV1Definition, hpaV2Definition } from './autoscaling/horizontalpodautoscalers';
import { bindingsDefinition } from './core/bindings';
import { componentStatusesDefinition } from './core/componentstatuses';
import { limitRangesDefinition } from './core/limitranges';
import { persistentVolumeClaimsDefinition } from './core/persistentvolumeclaims';
import { persistentVolumesDefinition } from './core/persistentvolumes';
import { podTemplatesDefinition } from './core/podtemplates';
import { replicationControllersDefinition } from './core/replicationcontrollers';
import { resourceQuotasDefinition } from './core/resourcequotas';

export function coreExtraResources(): ResourceDefinition[] {
  return [
    bindingsDefinition(),
    componentStatusesDefinition(),
    limitRangesDefinition(),
    resourceQuotasDefinition(),
    persistentVolumesDefinition(),
    persistentVolumeClaimsDefinition(),
    replicationControllersDefinition(),
    podTemplatesDefinition(),
    hpaV2Definition(),
    hpaV1Definition(),
  ];
}

export {
  bindingsDefinition,
  componentStatusesDefinition,
  hpaV1Definition,
  hpaV2Definition,
  limitRangesDefinition,
  persistentVolumeClaimsDefinition,
  persistentVolumesDefinition,
  podTemplatesDefinition,
  replicationControllersDefinition,
  resourceQuotasDefinition,
};
export { hpaV1ToV2, hpaV2ToV1 } from './autoscaling/hpa-conversion';
