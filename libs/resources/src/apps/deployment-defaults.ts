/** SetDefaults_Deployment (apps/v1) plus the pod template defaults. */
import { KObject } from '../../../apimachinery/src/types';
import { child, num, obj, str } from '../common/json';
import { checkQuantities, defaultPodTemplateSpec } from '../core/podspec/defaults';

export function defaultDeployment(d: KObject): void {
  const spec = child(d, 'spec');
  if (num(spec.replicas) === undefined) spec.replicas = 1;
  const strategy = child(spec, 'strategy');
  if (!str(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = '25%';
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = '25%';
  }
  if (num(spec.revisionHistoryLimit) === undefined) spec.revisionHistoryLimit = 10;
  if (num(spec.progressDeadlineSeconds) === undefined) spec.progressDeadlineSeconds = 600;
  const template = child(spec, 'template');
  checkQuantities(obj(template.spec) ?? {}, 'Deployment', 'v1');
  defaultPodTemplateSpec(template);
}
