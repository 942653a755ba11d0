import { describe, expect, it } from 'vitest';
import { StatusError } from '../status';
import {
  LabelSelector,
  newLabelRequirement,
  parseLabelSelector,
  selectorFromSet,
  SelectorSyntaxError,
  tryParseLabelSelector,
  validatedSelectorFromSet,
} from './index';

const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_MSG =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

function parseError(s: string): string {
  const r = tryParseLabelSelector(s);
  if (r.ok) throw new Error(`expected ${JSON.stringify(s)} to fail, got ${r.selector.toString()}`);
  return r.message;
}

function canonical(s: string): string {
  const r = tryParseLabelSelector(s);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(s)} to parse: ${r.message}`);
  return r.selector.toString();
}

describe('parseLabelSelector: accepted syntax and canonical form', () => {
  it.each([
    ['', ''],
    ['   ', ''],
    ['x=a', 'x=a'],
    ['x==a', 'x==a'],
    ['x!=a', 'x!=a'],
    ['x', 'x'],
    ['!x', '!x'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x notin (a)', 'x notin (a)'],
    ['x in (a,a,b)', 'x in (a,b)'],
    ['x in (a,,b)', 'x in (,a,b)'],
    ['x in (a,)', 'x in (,a)'],
    ['x in (,a)', 'x in (,a)'],
    ['x in ()', 'x in ()'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['in=notin', 'in=notin'],
    ['x=', 'x='],
    ['x=,y', 'x=,y'],
    ['x>1', 'x>1'],
    ['x<10', 'x<10'],
    ['x>9223372036854775807', 'x>9223372036854775807'],
    ['b=1,a=2', 'a=2,b=1'],
    [' x = a , y ', 'x=a,y'],
    ['\tx\tin\t(\ta\t)\n', 'x in (a)'],
    ['example.com/app=web', 'example.com/app=web'],
    ['a.b-c_d=E.f-G_h', 'a.b-c_d=E.f-G_h'],
    ['z,!y,x in (1),w notin (2),v=3,u!=4,t>5', 't>5,u!=4,v=3,w notin (2),x in (1),!y,z'],
    ['x in(a),y notin(b)', 'x in (a),y notin (b)'],
  ])('%j -> %j', (input, want) => {
    expect(canonical(input)).toBe(want);
  });

  it('keeps requirements with the same key in input order', () => {
    expect(canonical('a!=2,b=1,a=1')).toBe('a!=2,a=1,b=1');
  });

  it('exposes requirements', () => {
    const sel = parseLabelSelector('env in (prod,dev),!legacy');
    expect(sel.requirements).toEqual([
      { key: 'env', operator: 'in', values: ['dev', 'prod'] },
      { key: 'legacy', operator: '!', values: [] },
    ]);
  });
});

describe('parseLabelSelector: syntax errors', () => {
  it.each([
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['app=a b', "found 'b', expected: ',' or 'end of string'"],
    ['x=a,', "found '', expected: identifier after ','"],
    ['x,,y', "found ',', expected: identifier after ','"],
    ['x in (a),', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['(x)', "found '(', expected: !, identifier, or 'end of string'"],
    ['x=a)', "found ')', expected: ',' or 'end of string'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in', "unable to parse requirement: found '' expected: '('"],
    ['x in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a,b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['x in (,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x foo', "unable to parse requirement: found 'foo', expected: in, notin, =, ==, !=, gt, lt"],
    ['x)', "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt"],
    ['x!y', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=(a)', "unable to parse requirement: found '(', expected: identifier"],
    ['x==!', "unable to parse requirement: found '!', expected: identifier"],
    ['x=!=', "unable to parse requirement: found '!=', expected: identifier"],
    ['x===a', "unable to parse requirement: found '=', expected: identifier"],
    ['x <= 3', "unable to parse requirement: found '=', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!=x', "found '!=', expected: !, identifier, or 'end of string'"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
  ])('%j', (input, want) => {
    expect(parseError(input)).toBe(want);
  });
});

describe('parseLabelSelector: key and value validation', () => {
  it('rejects a bad key with a nil field path', () => {
    expect(parseError('*bar')).toBe(`unable to parse requirement: <nil>: Invalid value: "*bar": ${NAME_PART_MSG}`);
    expect(parseError('!-x')).toBe(`unable to parse requirement: <nil>: Invalid value: "-x": ${NAME_PART_MSG}`);
  });

  it('reports bad prefixes', () => {
    expect(parseError('app.kubernetes_io/name=x')).toBe(
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": ${PREFIX_MSG}`,
    );
    expect(parseError('/a')).toBe('unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty');
  });

  it('reports empty and long name parts', () => {
    expect(parseError('a/')).toBe(`unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${NAME_PART_MSG}`);
    const long = 'k'.repeat(64);
    expect(parseError(long)).toBe(`unable to parse requirement: <nil>: Invalid value: "${long}": name part must be no more than 63 characters`);
  });

  it('reports keys with several slashes', () => {
    expect(parseError('a/b/c=d')).toBe(
      'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, ' +
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
  });

  it('rejects bad values with the values[i][key] path', () => {
    expect(parseError('app=-a')).toBe(`unable to parse requirement: values[0][app]: Invalid value: "-a": ${LABEL_VALUE_MSG}`);
    expect(parseError('app in (ok,a_)')).toBe(`unable to parse requirement: values[0][app]: Invalid value: "a_": ${LABEL_VALUE_MSG}`);
  });

  it('aggregates several value errors (values sorted first)', () => {
    expect(parseError('x in (-b,-a)')).toBe(
      `unable to parse requirement: [values[0][x]: Invalid value: "-a": ${LABEL_VALUE_MSG}, values[1][x]: Invalid value: "-b": ${LABEL_VALUE_MSG}]`,
    );
  });

  it('reports over-long values', () => {
    const long = 'v'.repeat(64);
    expect(parseError(`x=${long}`)).toBe(`unable to parse requirement: values[0][x]: Invalid value: "${long}": must be no more than 63 characters`);
  });

  it('requires integers for gt/lt', () => {
    expect(parseError('x>a')).toBe(`unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer`);
    expect(parseError('x>')).toBe(`unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`);
    expect(parseError('x<9223372036854775808')).toBe(
      `unable to parse requirement: values[0]: Invalid value: "9223372036854775808": for 'Gt', 'Lt' operators, the value must be an integer`,
    );
    expect(parseError('x>-1')).toBe(`unable to parse requirement: values[0][x]: Invalid value: "-1": ${LABEL_VALUE_MSG}`);
  });

  it('quotes values the way Go %q does', () => {
    expect(parseError('x=a"b')).toBe(`unable to parse requirement: values[0][x]: Invalid value: "a\\"b": ${LABEL_VALUE_MSG}`);
    expect(parseError('x=a\u0001')).toBe(`unable to parse requirement: values[0][x]: Invalid value: "a\\x01": ${LABEL_VALUE_MSG}`);
  });
});

describe('parseLabelSelector as a request parameter', () => {
  it('throws a 400 BadRequest Status', () => {
    let err: unknown;
    try {
      parseLabelSelector('x in (a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "unable to parse requirement: found '', expected: ',' or ')'",
      reason: 'BadRequest',
      code: 400,
    });
  });
});

describe('LabelSelector matching', () => {
  const m = (sel: string, labels: Record<string, string> | undefined) => parseLabelSelector(sel).matches(labels);

  it('equality', () => {
    expect(m('x=a', { x: 'a' })).toBe(true);
    expect(m('x==a', { x: 'a', y: 'b' })).toBe(true);
    expect(m('x=a', { x: 'b' })).toBe(false);
    expect(m('x=a', {})).toBe(false);
    expect(m('x=a', undefined)).toBe(false);
    expect(m('x=', { x: '' })).toBe(true);
    expect(m('x=', {})).toBe(false);
  });

  it('inequality and notin match missing keys', () => {
    expect(m('x!=a', {})).toBe(true);
    expect(m('x!=a', { x: 'b' })).toBe(true);
    expect(m('x!=a', { x: 'a' })).toBe(false);
    expect(m('x notin (a,b)', undefined)).toBe(true);
    expect(m('x notin (a,b)', { x: 'b' })).toBe(false);
  });

  it('set membership', () => {
    expect(m('x in (a,b)', { x: 'b' })).toBe(true);
    expect(m('x in (a,b)', { x: 'c' })).toBe(false);
    expect(m('x in ()', { x: '' })).toBe(true);
  });

  it('existence', () => {
    expect(m('x', { x: '' })).toBe(true);
    expect(m('x', {})).toBe(false);
    expect(m('!x', {})).toBe(true);
    expect(m('!x', { x: '' })).toBe(false);
    expect(m('toString', {})).toBe(false);
  });

  it('gt / lt compare integers', () => {
    expect(m('x>1', { x: '2' })).toBe(true);
    expect(m('x>1', { x: '1' })).toBe(false);
    expect(m('x>1', { x: 'a' })).toBe(false);
    expect(m('x>1', {})).toBe(false);
    expect(m('x<1', { x: '-5' })).toBe(true);
    expect(m('x>9223372036854775806', { x: '9223372036854775807' })).toBe(true);
  });

  it('ANDs requirements', () => {
    expect(m('a=1,b', { a: '1', b: 'x' })).toBe(true);
    expect(m('a=1,b', { a: '1' })).toBe(false);
  });

  it('everything and nothing', () => {
    expect(LabelSelector.everything().matches(undefined)).toBe(true);
    expect(LabelSelector.everything().empty()).toBe(true);
    expect(LabelSelector.everything().toString()).toBe('');
    expect(LabelSelector.nothing().matches({})).toBe(false);
    expect(LabelSelector.nothing().empty()).toBe(false);
    expect(LabelSelector.nothing().toString()).toBe('');
    expect(parseLabelSelector('').empty()).toBe(true);
  });

  it('requiresExactMatch', () => {
    const sel = parseLabelSelector('a=1,b in (2),c in (3,4),d!=5');
    expect(sel.requiresExactMatch('a')).toBe('1');
    expect(sel.requiresExactMatch('b')).toBe('2');
    expect(sel.requiresExactMatch('c')).toBeUndefined();
    expect(sel.requiresExactMatch('d')).toBeUndefined();
    expect(sel.requiresExactMatch('e')).toBeUndefined();
  });
});

describe('selectors built from sets and requirements', () => {
  it('selectorFromSet sorts by key', () => {
    expect(selectorFromSet({ tier: 'web', app: 'shop' }).toString()).toBe('app=shop,tier=web');
    expect(selectorFromSet({}).empty()).toBe(true);
    expect(selectorFromSet(undefined).matches({ a: 'b' })).toBe(true);
  });

  it('validatedSelectorFromSet checks keys and values', () => {
    expect(() => validatedSelectorFromSet({ app: 'a b' })).toThrow(`values[0][app]: Invalid value: "a b": ${LABEL_VALUE_MSG}`);
  });

  it('newLabelRequirement reports upstream messages', () => {
    expect(() => newLabelRequirement('x', 'in', [])).toThrow(
      new SelectorSyntaxError(`values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`),
    );
    expect(() => newLabelRequirement('x', '=', ['a', 'b'])).toThrow(
      `values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single value`,
    );
    expect(() => newLabelRequirement('x', 'gt', ['1', '2'])).toThrow(
      `values: Invalid value: []string{"1", "2"}: for 'Gt', 'Lt' operators, exactly one value is required`,
    );
    expect(() => newLabelRequirement('a b', 'exists', [], 'spec.selector')).toThrow(
      `spec.selector.key: Invalid value: "a b": ${NAME_PART_MSG}`,
    );
  });

  it('add keeps requirements sorted', () => {
    const sel = parseLabelSelector('b=1').add(newLabelRequirement('a', 'exists', []));
    expect(sel.toString()).toBe('a,b=1');
  });
});
