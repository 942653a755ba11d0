/** JSON forms of metav1.Time, metav1.MicroTime and metav1.Duration. */

export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatMicroTime(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return `${base}.${micros}Z`;
}

/** Go's time.Duration.String(), for the durations the API carries (whole units down to ns). */
export function formatDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const sign = nanos < 0 ? '-' : '';
  let n = Math.abs(nanos);
  if (n < 1e9) {
    if (n < 1e3) return `${sign}${n}ns`;
    if (n < 1e6) return `${sign}${trim(n / 1e3)}µs`;
    return `${sign}${trim(n / 1e6)}ms`;
  }
  const h = Math.floor(n / 3600e9);
  n -= h * 3600e9;
  const m = Math.floor(n / 60e9);
  n -= m * 60e9;
  const s = trim(n / 1e9);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

function trim(v: number): string {
  return String(Number(v.toFixed(9)));
}

export class TimeFormatError extends Error {}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (as metav1.Time / MicroTime carry in JSON) as Unix seconds and nanos. */
export function parseTime(value: string): { seconds: number; nanos: number } {
  const m = RFC3339.exec(value);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new TimeFormatError(`invalid RFC 3339 time ${JSON.stringify(value)}`);
  return { seconds: Math.floor(ms / 1000), nanos: m[3] ? Number(m[3].padEnd(9, '0')) : 0 };
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration: "1h2m3.5s", "300ms", "-1.5h", "0". Returns nanoseconds. */
export function parseDuration(value: string): number {
  let s = value;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new TimeFormatError(`invalid duration ${JSON.stringify(value)}`);
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) throw new TimeFormatError(`invalid duration ${JSON.stringify(value)}`);
    total += Number(m[1]) * UNIT_NANOS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * Math.round(total);
}
