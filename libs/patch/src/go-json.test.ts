import { describe, expect, it } from 'vitest';
import { decodeGoJson, goJsonSyntaxError, goSprintS, goSprintV, goTypeString, unmarshalTypeMessage } from './go-json';

describe('goJsonSyntaxError (encoding/json checkValid messages)', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['empty body', '', 'unexpected end of JSON input'],
    ['bare word', 'invalid json patch', "invalid character 'i' looking for beginning of value"],
    ['single quotes', "{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
    ['trailing comma in object', '{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['missing colon', '{"a" 1}', "invalid character '1' after object key"],
    ['missing comma in object', '{"a":1 "b":2}', 'invalid character \'"\' after object key:value pair'],
    ['missing comma in array', '[1 2]', "invalid character '2' after array element"],
    ['trailing comma in array', '[1,]', "invalid character ']' looking for beginning of value"],
    ['garbage after value', '{} x', "invalid character 'x' after top-level value"],
    ['leading zero', '01', "invalid character '1' after top-level value"],
    ['truncated literal', 'tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['bad literal', 'nul!', "invalid character '!' in literal null (expecting 'l')"],
    ['false literal', 'fAlse', "invalid character 'A' in literal false (expecting 'a')"],
    ['lone minus', '-', "invalid character ' ' in numeric literal"],
    ['minus letter', '-a', "invalid character 'a' in numeric literal"],
    ['dangling decimal point', '1.', "invalid character ' ' after decimal point in numeric literal"],
    ['dangling exponent', '1e+', "invalid character ' ' in exponent of numeric literal"],
    ['control char in string', '"a\u0001"', "invalid character '\\x01' in string literal"],
    ['newline in string', '"a\nb"', "invalid character '\\n' in string literal"],
    ['tab in string', '"a\tb"', "invalid character '\\t' in string literal"],
    ['bad escape', '"\\q"', "invalid character 'q' in string escape code"],
    ['bad unicode escape', '"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['unterminated object', '{"a":1', 'unexpected end of JSON input'],
    ['unterminated string', '"abc', 'unexpected end of JSON input'],
    ['byte order mark', Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "invalid character 'ï' looking for beginning of value"],
    ['non-printable latin-1 byte', Buffer.from([0xa0]), "invalid character '\\u00a0' looking for beginning of value"],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    expect(goJsonSyntaxError(input)).toBe(message);
  });

  it('accepts valid documents', () => {
    for (const ok of ['{}', '[]', ' null ', '{"a":[1,-2.5e+3,true,false,null,"x\\u00e9\\n"]}', '0', '-0.0E-1']) {
      expect(goJsonSyntaxError(ok)).toBeUndefined();
    }
  });

  it('decodes Buffers and strings', () => {
    expect(decodeGoJson(Buffer.from('{"a":[1,"b"]}'))).toEqual({ a: [1, 'b'] });
    expect(() => decodeGoJson('{')).toThrow('unexpected end of JSON input');
  });
});

describe('Go rendering of decoded values', () => {
  it('formats %v like fmt', () => {
    expect(goSprintV({ name: 'b', image: 'nginx', ports: [80, 443], extra: null, ok: true })).toBe(
      'map[extra:<nil> image:nginx name:b ok:true ports:[80 443]]',
    );
    expect(goSprintV([{ a: { b: 'c' } }, 'x'])).toBe('[map[a:map[b:c]] x]');
    expect(goSprintV(0.5)).toBe('0.5');
    expect(goSprintV(1234567.5)).toBe('1.2345675e+06');
    expect(goSprintV(0.00001)).toBe('1e-05');
  });

  it('formats %s like fmt', () => {
    expect(goSprintS('x')).toBe('x');
    expect(goSprintS(1)).toBe('%!s(int64=1)');
    expect(goSprintS(true)).toBe('%!s(bool=true)');
    expect(goSprintS(null)).toBe('%!s(<nil>)');
  });

  it('names reflect types and unmarshal errors', () => {
    expect(goTypeString({})).toBe('map[string]interface {}');
    expect(goTypeString([])).toBe('[]interface {}');
    expect(goTypeString(1)).toBe('int64');
    expect(goTypeString(1.5)).toBe('float64');
    expect(unmarshalTypeMessage([], 'map[string]interface {}')).toBe(
      'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    expect(unmarshalTypeMessage(true, 'x')).toBe('json: cannot unmarshal bool into Go value of type x');
  });
});

describe('goJsonSyntaxError nesting depth (encoding/json maxNestingDepth)', () => {
  it('accepts 10000 levels and rejects deeper input as Go does', () => {
    expect(goJsonSyntaxError('['.repeat(10_000) + ']'.repeat(10_000))).toBeUndefined();
    expect(goJsonSyntaxError('['.repeat(10_001) + ']'.repeat(10_001))).toBe("invalid character '[' exceeded max depth");
    expect(goJsonSyntaxError('{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000))).toBe("invalid character '{' exceeded max depth");
  });
});
