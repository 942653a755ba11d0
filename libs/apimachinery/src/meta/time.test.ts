import { describe, expect, it } from 'vitest';
import {
  formatMicroTime,
  formatTime,
  instantToDate,
  normalizeMicroTime,
  normalizeTime,
  nowMicroTime,
  nowTime,
  parseMicroTime,
  parseTime,
  TimeParseError,
} from './time';

const L = '"2006-01-02T15:04:05Z07:00"';
const LM = '"2006-01-02T15:04:05.000000Z07:00"';

function timeError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TimeParseError);
    return (e as Error).message;
  }
  throw new Error('expected a TimeParseError');
}

describe('metav1.Time encoding', () => {
  it('formats in UTC with second precision', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    expect(formatTime(d)).toBe('2024-01-02T03:04:05Z');
    expect(formatMicroTime(d)).toBe('2024-01-02T03:04:05.678000Z');
    expect(formatMicroTime({ seconds: 1704164645, nanos: 123456789 })).toBe('2024-01-02T03:04:05.123456Z');
  });

  it('now* produce the right shapes', () => {
    expect(nowTime()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(nowMicroTime()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(Math.abs(Date.parse(nowMicroTime()) - Date.now())).toBeLessThan(5000);
  });

  it.each([
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05.999999999Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05,5Z', '2024-01-02T03:04:05Z'],
    ['2024-01-02T04:04:05+01:00', '2024-01-02T03:04:05Z'],
    ['2024-01-02T03:04:05-00:30', '2024-01-02T03:34:05Z'],
    ['2024-01-01T00:30:00+01:00', '2023-12-31T23:30:00Z'],
    ['2024-01-02T3:04:05Z', '2024-01-02T03:04:05Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59Z'],
  ])('normalizeTime(%j) = %j', (input, want) => {
    expect(normalizeTime(input)).toBe(want);
  });

  it('null and the zero time encode as null', () => {
    expect(normalizeTime(null)).toBeNull();
    expect(normalizeTime(undefined)).toBeNull();
    expect(normalizeTime('0001-01-01T00:00:00Z')).toBeNull();
    expect(normalizeTime('0001-01-01T01:00:00+01:00')).toBeNull();
    expect(normalizeMicroTime('0001-01-01T00:00:00.000000Z')).toBeNull();
  });

  it('converts to Date', () => {
    expect(instantToDate(parseTime('2024-01-02T03:04:05Z')).toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });
});

describe('Go time.Parse errors (RFC3339)', () => {
  it.each([
    ['abc', `parsing time "abc" as ${L}: cannot parse "abc" as "2006"`],
    ['', `parsing time "" as ${L}: cannot parse "" as "2006"`],
    ['20a4-01-02T03:04:05Z', `parsing time "20a4-01-02T03:04:05Z" as ${L}: cannot parse "20a4-01-02T03:04:05Z" as "2006"`],
    ['2024-1-02T03:04:05Z', `parsing time "2024-1-02T03:04:05Z" as ${L}: cannot parse "1-02T03:04:05Z" as "01"`],
    ['2024/01/02T03:04:05Z', `parsing time "2024/01/02T03:04:05Z" as ${L}: cannot parse "/01/02T03:04:05Z" as "-"`],
    ['2024-01-02 03:04:05Z', `parsing time "2024-01-02 03:04:05Z" as ${L}: cannot parse " 03:04:05Z" as "T"`],
    ['2024-01-02T3:4:05Z', `parsing time "2024-01-02T3:4:05Z" as ${L}: cannot parse "4:05Z" as "04"`],
    ['2024-01-02T03:04:05', `parsing time "2024-01-02T03:04:05" as ${L}: cannot parse "" as "Z07:00"`],
    ['2024-01-02T03:04:05x01:00', `parsing time "2024-01-02T03:04:05x01:00" as ${L}: cannot parse "x01:00" as "Z07:00"`],
    ['2024-01-02T03:04:05+0100', `parsing time "2024-01-02T03:04:05+0100" as ${L}: cannot parse "+0100" as "Z07:00"`],
    ['2024-13-02T03:04:05Z', 'parsing time "2024-13-02T03:04:05Z": month out of range'],
    ['2024-00-02T03:04:05Z', 'parsing time "2024-00-02T03:04:05Z": month out of range'],
    ['2023-02-29T00:00:00Z', 'parsing time "2023-02-29T00:00:00Z": day out of range'],
    ['2024-01-00T00:00:00Z', 'parsing time "2024-01-00T00:00:00Z": day out of range'],
    ['2024-01-02T24:00:00Z', 'parsing time "2024-01-02T24:00:00Z": hour out of range'],
    ['2024-01-02T03:60:00Z', 'parsing time "2024-01-02T03:60:00Z": minute out of range'],
    ['2024-01-02T03:04:60Z', 'parsing time "2024-01-02T03:04:60Z": second out of range'],
    ['2024-01-02T03:04:05+25:00', 'parsing time "2024-01-02T03:04:05+25:00": time zone offset hour out of range'],
    ['2024-01-02T03:04:05+25:x0', 'parsing time "2024-01-02T03:04:05+25:x0": time zone offset hour out of range'],
    ['2024-01-02T03:04:05Zjunk', 'parsing time "2024-01-02T03:04:05Zjunk": extra text: "junk"'],
    ['2024-01-02T03:04:05Z\u00e9', 'parsing time "2024-01-02T03:04:05Z\\xc3\\xa9": extra text: "\\xc3\\xa9"'],
    ['2024-01-02T03:04:05Z"', 'parsing time "2024-01-02T03:04:05Z\\"": extra text: "\\""'],
  ])('%j', (input, want) => {
    expect(timeError(() => parseTime(input))).toBe(want);
  });
});

describe('metav1.MicroTime', () => {
  it('accepts exactly six fractional digits', () => {
    expect(normalizeMicroTime('2024-01-02T03:04:05.123456Z')).toBe('2024-01-02T03:04:05.123456Z');
    expect(normalizeMicroTime('2024-01-02T04:04:05.000001+01:00')).toBe('2024-01-02T03:04:05.000001Z');
  });

  it.each([
    ['2024-01-02T03:04:05Z', `parsing time "2024-01-02T03:04:05Z" as ${LM}: cannot parse "Z" as ".000000"`],
    ['2024-01-02T03:04:05.123Z', `parsing time "2024-01-02T03:04:05.123Z" as ${LM}: cannot parse ".123Z" as ".000000"`],
    ['2024-01-02T03:04:05.1234567Z', `parsing time "2024-01-02T03:04:05.1234567Z" as ${LM}: cannot parse "7Z" as "Z07:00"`],
    ['2024-01-02T03:04:05.12a456Z', `parsing time "2024-01-02T03:04:05.12a456Z" as ${LM}: cannot parse ".12a456Z" as ".000000"`],
  ])('%j', (input, want) => {
    expect(timeError(() => parseMicroTime(input))).toBe(want);
  });
});
