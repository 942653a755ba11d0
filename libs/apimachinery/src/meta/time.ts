/**
 * metav1.Time and metav1.MicroTime on the wire: RFC 3339 in UTC, with second precision
 * ("2024-01-02T03:04:05Z") or exactly six fractional digits ("2024-01-02T03:04:05.123456Z").
 * Parsing follows Go's time.Parse for those two layouts, including its error messages, so a
 * decoder can report bad timestamps the way kube-apiserver does. The zero time encodes as null.
 */

export const RFC3339 = '2006-01-02T15:04:05Z07:00';
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

/** An instant: whole seconds since the Unix epoch plus nanoseconds (0..999999999). */
export interface TimeInstant {
  readonly seconds: number;
  readonly nanos: number;
}

/** A Go time.ParseError; `message` is exactly Go's Error() text. */
export class TimeParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeParseError';
  }
}

// ---- calendar arithmetic (proleptic Gregorian, any year) ----

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** Unix seconds of Go's zero time, 0001-01-01T00:00:00Z. */
const ZERO_SECONDS = daysFromCivil(1, 1, 1) * 86400;

export function isZeroTime(t: TimeInstant): boolean {
  return t.seconds === ZERO_SECONDS && t.nanos === 0;
}

// ---- formatting ----

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

function toInstant(t: Date | TimeInstant): TimeInstant {
  if (t instanceof Date) {
    const ms = t.getTime();
    const seconds = Math.floor(ms / 1000);
    return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
  }
  return t;
}

function formatUTC(t: TimeInstant, fracDigits: number): string {
  const days = Math.floor(t.seconds / 86400);
  const secOfDay = t.seconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const hh = Math.floor(secOfDay / 3600);
  const mm = Math.floor((secOfDay % 3600) / 60);
  const ss = secOfDay % 60;
  let s = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}`;
  if (fracDigits > 0) s += `.${String(t.nanos).padStart(9, '0').slice(0, fracDigits)}`;
  return `${s}Z`;
}

/** metav1.Time encoding: UTC, whole seconds (fraction truncated). */
export function formatTime(t: Date | TimeInstant): string {
  return formatUTC(toInstant(t), 0);
}

/** metav1.MicroTime encoding: UTC, six fractional digits (truncated). */
export function formatMicroTime(t: Date | TimeInstant): string {
  return formatUTC(toInstant(t), 6);
}

/** Current time as metav1.Time ("2024-01-02T03:04:05Z"). */
export function nowTime(): string {
  return formatTime(new Date());
}

/** Current time with microseconds, as metav1.MicroTime. */
export function nowMicroTime(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  return formatMicroTime({ seconds, nanos: (micros - seconds * 1_000_000) * 1000 });
}

export function instantToDate(t: TimeInstant): Date {
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1_000_000));
}

// ---- parsing (Go time.Parse, restricted to the RFC3339 / RFC3339Micro layouts) ----

/** Go's time.quote: non-ASCII and control bytes as \xNN, `"` and `\` escaped. */
function timeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x80 || cp < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

type Std = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'frac6' | 'tz';
interface Chunk {
  prefix: string;
  std: Std;
  text: string;
}

const rfc3339Chunks: Chunk[] = [
  { prefix: '', std: 'year', text: '2006' },
  { prefix: '-', std: 'month', text: '01' },
  { prefix: '-', std: 'day', text: '02' },
  { prefix: 'T', std: 'hour', text: '15' },
  { prefix: ':', std: 'minute', text: '04' },
  { prefix: ':', std: 'second', text: '05' },
  { prefix: '', std: 'tz', text: 'Z07:00' },
];
const rfc3339MicroChunks: Chunk[] = [...rfc3339Chunks.slice(0, 6), { prefix: '', std: 'frac6', text: '.000000' }, rfc3339Chunks[6]];

const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';

class Bad extends Error {}

/** getnum: one or two digits (exactly two when fixed). */
function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw new Bad();
  if (!isDigitAt(s, 1)) {
    if (fixed) throw new Bad();
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

/** Go's atoi: optional sign, then digits only (empty digits read as 0). */
function atoi(s: string): number {
  let neg = false;
  if (s.length > 0 && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (!/^[0-9]*$/.test(s)) throw new Bad();
  const x = s === '' ? 0 : Number(s);
  return neg ? -x : x;
}

/** parseNanoseconds: value[0] is the separator, value[1:n] the digits. */
function parseNanoseconds(value: string, n: number): { ns: number; range?: string } {
  if (value[0] !== '.' && value[0] !== ',') throw new Bad();
  if (n > 10) n = 10;
  const ns = atoi(value.slice(1, n));
  if (ns < 0) return { ns, range: 'fractional second' };
  return { ns: ns * 10 ** (10 - n) };
}

function parseLayout(layout: string, chunks: Chunk[], input: string): TimeInstant {
  const fail = (layoutElem: string, valueElem: string): TimeParseError =>
    new TimeParseError(`parsing time ${timeQuote(input)} as ${timeQuote(layout)}: cannot parse ${timeQuote(valueElem)} as ${timeQuote(layoutElem)}`);
  const failMsg = (msg: string): TimeParseError => new TimeParseError(`parsing time ${timeQuote(input)}${msg}`);

  let value = input;
  let year = 0;
  let month = -1;
  let day = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let zoneOffset = 0;

  for (let ci = 0; ci < chunks.length; ci++) {
    const { prefix, std, text } = chunks[ci];
    for (const c of prefix) {
      if (value.length === 0 || value[0] !== c) throw fail(prefix, value);
      value = value.slice(1);
    }
    const hold = value;
    let range: string | undefined;
    try {
      switch (std) {
        case 'year': {
          if (value.length < 4 || !isDigitAt(value, 0)) throw new Bad();
          year = atoi(value.slice(0, 4));
          value = value.slice(4);
          break;
        }
        case 'month':
          [month, value] = getnum(value, true);
          if (month <= 0 || month > 12) range = 'month';
          break;
        case 'day':
          [day, value] = getnum(value, true);
          break;
        case 'hour':
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) range = 'hour';
          break;
        case 'minute':
          [min, value] = getnum(value, true);
          if (min < 0 || min >= 60) range = 'minute';
          break;
        case 'second': {
          [sec, value] = getnum(value, true);
          if (sec < 0 || sec >= 60) {
            range = 'second';
            break;
          }
          if (value.length >= 2 && (value[0] === '.' || value[0] === ',') && isDigitAt(value, 1)) {
            if (chunks[ci + 1]?.std === 'frac6') break;
            let n = 2;
            while (n < value.length && isDigitAt(value, n)) n++;
            const r = parseNanoseconds(value, n);
            nsec = r.ns;
            range = r.range;
            value = value.slice(n);
          }
          break;
        }
        case 'frac6': {
          const ndigit = 7;
          if (value.length < ndigit) throw new Bad();
          const r = parseNanoseconds(value, ndigit);
          nsec = r.ns;
          range = r.range;
          value = value.slice(ndigit);
          break;
        }
        case 'tz': {
          if (value.length >= 1 && value[0] === 'Z') {
            value = value.slice(1);
            zoneOffset = 0;
            break;
          }
          if (value.length < 6 || value[3] !== ':') throw new Bad();
          const sign = value[0];
          const hh = value.slice(1, 3);
          const mm = value.slice(4, 6);
          value = value.slice(6);
          let bad = false;
          let hr = 0;
          let mi = 0;
          try {
            [hr] = getnum(hh, true);
            [mi] = getnum(mm, true);
          } catch (e) {
            if (!(e instanceof Bad)) throw e;
            bad = true;
          }
          if (hr > 24) range = 'time zone offset hour';
          if (mi > 60) range = 'time zone offset minute';
          zoneOffset = (hr * 60 + mi) * 60;
          if (sign === '-') zoneOffset = -zoneOffset;
          else if (sign !== '+') bad = true;
          if (bad) throw new Bad();
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      if (range) throw failMsg(`: ${range} out of range`);
      throw fail(text, hold);
    }
    if (range) throw failMsg(`: ${range} out of range`);
  }
  if (value.length !== 0) throw failMsg(`: extra text: ${timeQuote(value)}`);
  if (day < 1 || day > daysIn(month, year)) throw failMsg(': day out of range');

  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec - zoneOffset;
  return { seconds, nanos: nsec };
}

/** time.Parse(time.RFC3339, s) as metav1.Time decodes; throws TimeParseError with Go's message. */
export function parseTime(s: string): TimeInstant {
  return parseLayout(RFC3339, rfc3339Chunks, s);
}

/** time.Parse(metav1.RFC3339Micro, s) as metav1.MicroTime decodes; throws TimeParseError. */
export function parseMicroTime(s: string): TimeInstant {
  return parseLayout(RFC3339_MICRO, rfc3339MicroChunks, s);
}

/**
 * Decode then re-encode a metav1.Time JSON value the way the server stores it:
 * null stays null, the zero time becomes null, anything else becomes UTC second precision.
 */
export function normalizeTime(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = parseTime(value);
  return isZeroTime(t) ? null : formatTime(t);
}

/** As normalizeTime for metav1.MicroTime (six fractional digits). */
export function normalizeMicroTime(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const t = parseMicroTime(value);
  return isZeroTime(t) ? null : formatMicroTime(t);
}
