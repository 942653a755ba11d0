/**
 * autoscaling HorizontalPodAutoscalers, served as autoscaling/v2 (the storage version) and
 * autoscaling/v1 (converted on the way in and out, see hpa-conversion), with a status subresource.
 */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition, ResourceStrategy, StatusStrategy } from '../../../registry/src/resource';
import {
  BEHAVIOR_ANNOTATION,
  CONDITIONS_ANNOTATION,
  hpaV1Conversion,
  hpaV1ToV2,
  METRIC_SPECS_ANNOTATION,
  METRIC_STATUSES_ANNOTATION,
} from './hpa-conversion';
import { defaultHPAV1, defaultHPAV2 } from './hpa-defaults';
import { hpaTable } from './hpa-table';
import { validateHPAStatusV2, validateHPAV2 } from './hpa-validation';

const PLURAL = 'horizontalpodautoscalers';

function emptyStatus(version: 'v1' | 'v2'): Record<string, unknown> {
  return version === 'v2' ? { currentMetrics: null, desiredReplicas: 0 } : { currentReplicas: 0, desiredReplicas: 0 };
}

/**
 * In v1, part of spec and status lives in annotations: a write of one half keeps the other half's
 * annotations from the stored object (upstream copies the internal status/spec, which holds them).
 */
function carryAnnotations(hpa: KObject, old: KObject, keys: string[]): void {
  const oldAnn = old.metadata.annotations ?? {};
  const ann = { ...(hpa.metadata.annotations ?? {}) };
  for (const k of keys) {
    if (k in oldAnn) ann[k] = oldAnn[k];
    else delete ann[k];
  }
  if (Object.keys(ann).length) hpa.metadata.annotations = ann;
  else delete hpa.metadata.annotations;
}

const STATUS_KEYS = [METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION];
const SPEC_KEYS = [METRIC_SPECS_ANNOTATION, BEHAVIOR_ANNOTATION];

function strategyFor(version: 'v1' | 'v2', toV2: (o: KObject) => KObject): { strategy: ResourceStrategy; statusStrategy: StatusStrategy } {
  return {
    strategy: {
      default: version === 'v2' ? defaultHPAV2 : defaultHPAV1,
      prepareForCreate(hpa) {
        hpa.status = emptyStatus(version);
      },
      prepareForUpdate(hpa, old) {
        hpa.status = old.status;
        if (version === 'v1') carryAnnotations(hpa, old, STATUS_KEYS);
      },
      validate: (hpa) => validateHPAV2(toV2(hpa)),
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(hpa, old) {
        hpa.spec = old.spec;
        if (version === 'v1') carryAnnotations(hpa, old, SPEC_KEYS);
      },
      validateUpdate: (hpa) => validateHPAStatusV2(toV2(hpa)),
    },
  };
}

function base(version: 'v1' | 'v2'): Omit<ResourceDefinition, 'strategy'> {
  return {
    group: 'autoscaling',
    version,
    kind: 'HorizontalPodAutoscaler',
    plural: PLURAL,
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    storagePrefix: PLURAL,
    subresources: { status: true },
  };
}

const identity = (o: KObject): KObject => o;

export function hpaV2Definition(): ResourceDefinition {
  return {
    ...base('v2'),
    ...strategyFor('v2', identity),
    modelType: 'V2HorizontalPodAutoscaler',
    table: hpaTable(identity as never),
  };
}

export function hpaV1Definition(): ResourceDefinition {
  const toV2 = (o: KObject): KObject => hpaV1ToV2(o);
  return {
    ...base('v1'),
    ...strategyFor('v1', toV2),
    modelType: 'V1HorizontalPodAutoscaler',
    conversion: hpaV1Conversion,
    table: hpaTable(toV2 as never),
  };
}
