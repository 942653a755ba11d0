import { describe, expect, it } from 'vitest';
import { goQuoteSlice, parseGoAtoi, parseGoBool, parseGoInt, parseGoUint } from './go-strconv';

describe('parseGoInt (base 0, as pflag int flags)', () => {
  it.each([
    ['42', 42],
    ['-7', -7],
    ['+7', 7],
    ['0x1f', 31],
    ['0o17', 15],
    ['017', 15],
    ['0b101', 5],
    ['1_000', null],
    ['0x_1_0', 16],
    ['0', 0],
  ])('%s', (input, want) => {
    if (want === null) expect(() => parseGoInt(input)).toThrow(`strconv.ParseInt: parsing "${input}": invalid syntax`);
    else expect(parseGoInt(input)).toBe(want);
  });

  it('reports invalid syntax and range like Go', () => {
    expect(() => parseGoInt('abc')).toThrow('strconv.ParseInt: parsing "abc": invalid syntax');
    expect(() => parseGoInt('')).toThrow('strconv.ParseInt: parsing "": invalid syntax');
    expect(() => parseGoInt('99999999999999999999')).toThrow('strconv.ParseInt: parsing "99999999999999999999": value out of range');
    expect(() => parseGoInt('2147483648', 10, 32)).toThrow('value out of range');
    expect(parseGoInt('-2147483648', 10, 32)).toBe(-2147483648);
  });

  it('uint and atoi', () => {
    expect(parseGoUint('12')).toBe(12);
    expect(() => parseGoUint('-1')).toThrow('strconv.ParseUint: parsing "-1": invalid syntax');
    expect(parseGoAtoi('30000')).toBe(30000);
    expect(() => parseGoAtoi('0x10')).toThrow('strconv.Atoi: parsing "0x10": invalid syntax');
  });
});

describe('parseGoBool', () => {
  it('accepts Go spellings only', () => {
    for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(parseGoBool(t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(parseGoBool(f)).toBe(false);
    expect(() => parseGoBool('yes')).toThrow('strconv.ParseBool: parsing "yes": invalid syntax');
  });
});

it('goQuoteSlice formats like %q of []string', () => {
  expect(goQuoteSlice(['a', 'b c'])).toBe('["a" "b c"]');
});
