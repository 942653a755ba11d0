/**
 * The watch-cache service's selector filtering (proto `Selector`): label selector, field selector
 * and namespace compiled into one predicate over cached objects, with the apimachinery selector
 * code the API server uses. The service stays generic: it knows no resource types; the client
 * sends the field labels a resource can select on with the object path each one reads
 * (`field_paths`, e.g. "spec.nodeName" -> "spec.nodeName"). Without them only metadata.name and
 * metadata.namespace are selectable (runtime.DefaultMetaV1FieldSelectorConversion).
 */
import { getPath } from '../../apimachinery/src/meta/accessor';
import { defaultFieldLabelConversion, fieldLabelConversion, parseFieldSelector, parseLabelSelector, transformFieldSelector } from '../../apimachinery/src/selectors';
import { KObject } from '../../apimachinery/src/types';
import { Selector } from './proto';

function fieldValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** undefined when the selector selects everything; throws on a malformed selector */
export function compileSelector(sel: Selector | undefined): ((o: KObject) => boolean) | undefined {
  if (!sel) return undefined;
  const ns = sel.namespace ?? '';
  const paths: Record<string, string> = { ...(sel.fieldPaths ?? {}) };
  const custom = Object.keys(paths).length > 0;
  paths['metadata.name'] ??= 'metadata.name';
  paths['metadata.namespace'] ??= 'metadata.namespace';
  const labels = sel.labelSelector ? parseLabelSelector(sel.labelSelector) : undefined;
  const convert = custom ? fieldLabelConversion(Object.keys(paths)) : defaultFieldLabelConversion;
  const fields = sel.fieldSelector ? transformFieldSelector(parseFieldSelector(sel.fieldSelector), convert) : undefined;
  const useLabels = labels && !labels.empty() ? labels : undefined;
  const useFields = fields && !fields.empty() ? fields : undefined;
  if (!ns && !useLabels && !useFields) return undefined;
  const split = Object.entries(paths).map(([label, path]) => [label, path.split('.')] as const);
  return (o: KObject) => {
    if (ns && o.metadata?.namespace !== ns) return false;
    if (useLabels && !useLabels.matches(o.metadata?.labels ?? {})) return false;
    if (useFields) {
      const set: Record<string, string> = {};
      for (const [label, path] of split) set[label] = fieldValue(getPath(o, path));
      if (!useFields.matches(set)) return false;
    }
    return true;
  };
}
