/** core/v1 pod templates: template defaults and ValidatePodTemplate (paths under `template`). */
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj } from '../common/json';
import { column, nameColumn } from '../printing/columns';
import { formatLabels, layoutContainerCells } from '../printing/format';
import { checkQuantities, defaultPodTemplateSpec } from './podspec/defaults';
import { validatePodTemplateSpec } from './podspec/validation';

export function podTemplatesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'PodTemplate',
    plural: 'podtemplates',
    singular: 'podtemplate',
    namespaced: true,
    storagePrefix: 'podtemplates',
    tracksGeneration: false,
    modelType: 'V1PodTemplate',
    strategy: {
      default(pt) {
        const template = child(pt, 'template');
        checkQuantities(obj(template.spec) ?? {}, 'PodTemplate', 'v1');
        defaultPodTemplateSpec(template);
      },
      validate: (pt) => validatePodTemplateSpec(obj(pt.template) ?? {}, 'template'),
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [
        nameColumn(),
        column('Containers', 'string', 'Names of the containers in the template.'),
        column('Images', 'string', 'Images used by the containers in the template.'),
        column('Pod Labels', 'string', 'Labels of the pods created from the template.'),
      ],
      cells(pt) {
        const template = obj(pt.template) ?? {};
        const c = layoutContainerCells(obj(template.spec)?.containers);
        return [pt.metadata.name ?? '', c.names, c.images, formatLabels(obj(template.metadata)?.labels)];
      },
    },
  };
}
