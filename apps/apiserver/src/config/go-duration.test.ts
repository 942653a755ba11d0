import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from './go-duration';

describe('parseGoDuration', () => {
  it.each([
    ['1m0s', 60_000],
    ['30s', 30_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['.5s', 500],
    ['2.s', 2000],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['1000000ns', 1],
    ['0', 0],
    ['-1m', -60_000],
    ['+5s', 5000],
  ])('%s = %d ms', (input, ms) => {
    expect(parseGoDuration(input)).toBeCloseTo(ms, 9);
  });

  it('errors like Go', () => {
    expect(() => parseGoDuration('abc')).toThrow('time: invalid duration "abc"');
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration('.s')).toThrow('time: invalid duration ".s"');
    expect(() => parseGoDuration('10')).toThrow('time: missing unit in duration "10"');
    expect(() => parseGoDuration('1d')).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => parseGoDuration('1m5')).toThrow('time: missing unit in duration "1m5"');
  });
});

describe('formatGoDuration', () => {
  it.each([
    [0, '0s'],
    [60_000, '1m0s'],
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [90_000, '1m30s'],
    [1500, '1.5s'],
    [500, '500ms'],
    [0.0015, '1.5µs'],
    [0.000001, '1ns'],
    [-30_000, '-30s'],
  ])('%d ms = %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});
