/**
 * duration.HumanDuration and the printers' translateTimestampSince: "5s", "3m2s", "10m", "7h5m",
 * "2d3h", "400d", "3y20d"; "<unknown>" without a timestamp, "<invalid>" for times in the future.
 */

const SECOND = 1000;
/** Go's zero time (0001-01-01T00:00:00Z) counts as "no timestamp". */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Human readable approximation of a duration given in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  // up to 2s in the future is tolerated as clock skew
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** The age of a timestamp (RFC 3339 string) at `now`; "<unknown>" when there is none. */
export function translateTimestampSince(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t) || t <= ZERO_TIME) return '<unknown>';
  return humanDuration(now.getTime() - t);
}
