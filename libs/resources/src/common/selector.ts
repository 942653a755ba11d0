/** metav1.LabelSelector values of specs, bridged to the selectors library. */
import { LabelSelector } from '../../../apimachinery/src/selectors/label-selector';
import {
  formatLabelSelector,
  MetaLabelSelector,
  tryLabelSelectorAsSelector,
} from '../../../apimachinery/src/selectors/meta-label-selector';
import { isObject, objs, str, strMap, strs } from './json';

export function metaSelector(v: unknown): MetaLabelSelector | null {
  if (!isObject(v)) return null;
  const out: MetaLabelSelector = {};
  if (isObject(v.matchLabels)) out.matchLabels = strMap(v.matchLabels);
  if (Array.isArray(v.matchExpressions)) {
    out.matchExpressions = objs(v.matchExpressions).map((e) => ({
      key: str(e.key),
      operator: str(e.operator),
      values: Array.isArray(e.values) ? strs(e.values) : null,
    }));
  }
  return out;
}

/** LabelSelectorAsSelector, or the conversion error text. */
export function asSelector(v: unknown): { ok: true; selector: LabelSelector } | { ok: false; message: string } {
  return tryLabelSelectorAsSelector(metaSelector(v));
}

/** metav1.FormatLabelSelector: "<none>" for an empty selector, "<error>" for a bad one. */
export function formatSelector(v: unknown): string {
  return formatLabelSelector(metaSelector(v));
}
