/** labelSelector and fieldSelector query parameters compiled into one predicate over served objects. */
import { objectMetaFields } from '../../../../libs/apimachinery/src/meta';
import { defaultFieldLabelConversion, fieldLabelConversion, parseFieldSelector, parseLabelSelector, transformFieldSelector } from '../../../../libs/apimachinery/src/selectors';
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
