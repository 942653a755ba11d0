/**
 * Kubernetes 1.32 prints the bad value of a field error with Go's fmt: %q for strings, %v for
 * numbers, String() for types that have one (metav1.Time) and %#v for maps and structs. These
 * render the composite values the built-in validators report, from their JSON form.
 */
import { compareGoStrings, goQuote, goStringSlice } from '../selectors/go-text';
import { isObject } from '../types';

export { goQuote, goStringSlice };

function strings(v: unknown): string[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((x) => (typeof x === 'string' ? x : String(x)));
}

/** %#v of a map[string]string: map[string]string{"a":"b", "c":"d"} or map[string]string(nil). */
export function goStringMap(m: unknown): string {
  if (!isObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort(compareGoStrings);
  const body = keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k] ?? ''))}`).join(', ');
  return `map[string]string{${body}}`;
}

/** %#v of a metav1.LabelSelector (dereferenced pointer), as field errors print it. */
export function goLabelSelector(sel: unknown): string {
  if (!isObject(sel)) return goQuote('null');
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : null;
  const exprText =
    exprs === null
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const r = isObject(e) ? e : {};
            const key = typeof r.key === 'string' ? r.key : '';
            const op = typeof r.operator === 'string' ? r.operator : '';
            return `v1.LabelSelectorRequirement{Key:${goQuote(key)}, Operator:${goQuote(op)}, Values:${goStringSlice(strings(r.values))}}`;
          })
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprText}}`;
}

/** %#v of an intstr.IntOrString. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  const n = typeof v === 'number' ? v : 0;
  return `intstr.IntOrString{Type:0, IntVal:${n}, StrVal:""}`;
}

/** time.Time.String() of an RFC 3339 timestamp ("2006-01-02 15:04:05.999999999 +0000 UTC"). */
export function goTimeString(ts: unknown): string {
  if (typeof ts !== 'string' || ts === '') return '0001-01-01 00:00:00 +0000 UTC';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(ts);
  const d = new Date(ts);
  if (!m || Number.isNaN(d.getTime())) return ts;
  const iso = d.toISOString();
  const frac = (m[3] ?? '').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** %#v of a core.ObjectReference (internal type). */
export function goObjectReference(ref: unknown): string {
  const r = isObject(ref) ? ref : {};
  const s = (k: string): string => goQuote(typeof r[k] === 'string' ? (r[k] as string) : '');
  return (
    `core.ObjectReference{Kind:${s('kind')}, Namespace:${s('namespace')}, Name:${s('name')}, UID:${s('uid')}, ` +
    `APIVersion:${s('apiVersion')}, ResourceVersion:${s('resourceVersion')}, FieldPath:${s('fieldPath')}}`
  );
}
