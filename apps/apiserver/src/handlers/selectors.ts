/** labelSelector and fieldSelector query parameters compiled into one predicate over served objects. */
import { objectMetaFields } from '../../../../libs/apimachinery/src/meta';
import {
  defaultFieldLabelConversion,
  fieldLabelConversion,
  parseFieldRequirements,
  parseFieldSelector,
  parseLabelSelector,
  transformFieldSelector,
} from '../../../../libs/apimachinery/src/selectors';
import { WatchSelector } from '../../../../libs/storage/src/interface';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';

/** Field labels a resource supports: metadata.name/namespace plus its selectable fields. */
function supportedFields(def: ResourceDefinition): string[] {
  const base = def.namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
  let extra: string[] = [];
  try {
    extra = Object.keys(def.selectableFields?.({ metadata: {} }) ?? {});
  } catch {
    extra = [];
  }
  return [...base, ...extra];
}

export function fieldsOf(def: ResourceDefinition, obj: KObject): Record<string, string> {
  const fields = objectMetaFields(obj, def.namespaced) as Record<string, string>;
  return def.selectableFields ? { ...fields, ...def.selectableFields(obj) } : fields;
}

/**
 * The storage watch hint for a (valid) selection: the label selector and namespace as given; the
 * field selector only when it reads metadata.name / metadata.namespace alone (other field labels
 * are computed per resource and version, so the watch-cache service could not evaluate them
 * exactly; the API server filters those itself). Undefined when nothing is selected.
 */
export function storageSelectorHint(labelSelector: string, fieldSelector: string, namespace: string): WatchSelector | undefined {
  const out: WatchSelector = {};
  if (labelSelector.trim()) out.labelSelector = labelSelector;
  if (namespace) out.namespace = namespace;
  if (fieldSelector.trim()) {
    let metaOnly = false;
    try {
      metaOnly = parseFieldRequirements(fieldSelector).every((r) => r.field === 'metadata.name' || r.field === 'metadata.namespace');
    } catch {
      metaOnly = false;
    }
    if (metaOnly) out.fieldSelector = fieldSelector;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function compileSelectors(labelSelector: string, fieldSelector: string, def: ResourceDefinition, namespace: string): ((o: KObject) => boolean) | undefined {
  void namespace;
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  // kinds without their own field label conversion func get runtime.DefaultMetaV1FieldSelectorConversion
  // (`"x" is not a known field selector: only "metadata.name", "metadata.namespace"`)
  const convert = def.selectableFields ? fieldLabelConversion(supportedFields(def)) : defaultFieldLabelConversion;
  const fields = fieldSelector ? transformFieldSelector(parseFieldSelector(fieldSelector), convert) : undefined;
  const useLabels = labels && !labels.empty() ? labels : undefined;
  const useFields = fields && !fields.empty() ? fields : undefined;
  if (!useLabels && !useFields) return undefined;
  return (o: KObject) => {
    if (useLabels && !useLabels.matches(o.metadata?.labels ?? {})) return false;
    if (useFields && !useFields.matches(fieldsOf(def, o))) return false;
    return true;
  };
}
