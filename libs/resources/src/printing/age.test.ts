import { describe, expect, it } from 'vitest';
import { humanDuration, translateTimestampSince } from './age';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration', () => {
  it.each([
    [-3 * S, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 2 * S, '3m2s'],
    [10 * M, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [7 * H + 5 * M, '7h5m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D, '7d'],
    [8 * D + 5 * H, '8d'],
    [400 * D, '400d'],
    [731 * D, '2y1d'],
    [3 * 365 * D, '3y'],
    [9 * 365 * D + 100 * D, '9y'],
  ])('%d ms -> %s', (ms, want) => expect(humanDuration(ms)).toBe(want));
});

describe('translateTimestampSince', () => {
  const now = new Date('2024-05-01T12:00:00.400Z');
  it('formats ages', () => {
    expect(translateTimestampSince('2024-05-01T11:55:00Z', now)).toBe('5m');
    expect(translateTimestampSince('2024-04-29T09:00:00Z', now)).toBe('2d3h');
  });
  it('is <unknown> without a timestamp', () => {
    expect(translateTimestampSince(undefined, now)).toBe('<unknown>');
    expect(translateTimestampSince(null, now)).toBe('<unknown>');
    expect(translateTimestampSince('0001-01-01T00:00:00Z', now)).toBe('<unknown>');
  });
});
