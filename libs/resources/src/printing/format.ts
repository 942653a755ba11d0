/** Cell formatting helpers of the upstream printers. */
import { compareGoStrings } from '../../../apimachinery/src/selectors/go-text';
import { isObject, objs, str } from '../common/json';
import { asSelector } from '../common/selector';

/** layoutContainerCells: container names and images, comma separated. */
export function layoutContainerCells(containers: unknown): { names: string; images: string } {
  const list = objs(containers);
  return { names: list.map((c) => str(c.name)).join(','), images: list.map((c) => str(c.image)).join(',') };
}

/** labels.FormatLabels: "k=v" sorted by key and comma separated, "<none>" when empty. */
export function formatLabels(labels: unknown): string {
  if (!isObject(labels)) return '<none>';
  const keys = Object.keys(labels).sort(compareGoStrings);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${str(labels[k])}`).join(',');
}

/** metav1.LabelSelectorAsSelector(sel).String(), or "<invalid>" (the deployment printer's form). */
export function selectorString(sel: unknown): string {
  const r = asSelector(sel);
  return r.ok ? r.selector.toString() : '<invalid>';
}

/** "<none>" for an empty cell value. */
export function orNone(s: string): string {
  return s === '' ? '<none>' : s;
}
