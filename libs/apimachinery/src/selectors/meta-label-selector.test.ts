import { describe, expect, it } from 'vitest';
import { formatLabelSelector, labelSelectorAsSelector, tryLabelSelectorAsSelector } from './index';

const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function error(ps: Parameters<typeof labelSelectorAsSelector>[0]): string {
  const r = tryLabelSelectorAsSelector(ps);
  if (r.ok) throw new Error('expected an error');
  return r.message;
}

describe('labelSelectorAsSelector', () => {
  it('null selects nothing, empty selects everything', () => {
    expect(labelSelectorAsSelector(null).matches({ a: 'b' })).toBe(false);
    expect(labelSelectorAsSelector(undefined).matches({})).toBe(false);
    expect(labelSelectorAsSelector({}).matches({ a: 'b' })).toBe(true);
    expect(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }).empty()).toBe(true);
  });

  it('converts matchLabels and matchExpressions', () => {
    const sel = labelSelectorAsSelector({
      matchLabels: { b: '1', a: '2' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'x', operator: 'Exists' },
        { key: 'y', operator: 'DoesNotExist', values: [] },
        { key: 'tier', operator: 'NotIn', values: ['cache'] },
      ],
    });
    expect(sel.toString()).toBe('a=2,b=1,env in (dev,prod),tier notin (cache),x,!y');
    expect(sel.matches({ a: '2', b: '1', env: 'dev', x: '' })).toBe(true);
    expect(sel.matches({ a: '2', b: '1', env: 'dev', x: '', y: '' })).toBe(false);
    expect(sel.matches({ a: '2', b: '1', env: 'qa', x: '' })).toBe(false);
    expect(sel.matches({ a: '2', b: '1', env: 'dev', x: '', tier: 'cache' })).toBe(false);
  });

  it('reports upstream errors', () => {
    expect(error({ matchExpressions: [{ key: 'a', operator: 'Foo' }] })).toBe('"Foo" is not a valid label selector operator');
    expect(error({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe(
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    );
    expect(error({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toBe(
      'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    );
    expect(error({ matchLabels: { 'a b': 'c' } })).toBe(`key: Invalid value: "a b": ${NAME_PART_MSG}`);
    expect(error({ matchLabels: { a: '-c' } })).toMatch(/^values\[0\]\[a\]: Invalid value: "-c": a valid label must be/);
    expect(error({ matchExpressions: [{ key: '', operator: 'Exists' }] })).toBe(
      `key: Invalid value: "": name part must be non-empty; ${NAME_PART_MSG}`,
    );
  });
});

describe('formatLabelSelector', () => {
  it.each([
    [null, '<none>'],
    [undefined, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [{ matchLabels: { app: 'web', tier: 'fe' } }, 'app=web,tier=fe'],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['b', 'a'] }] }, 'app in (a,b)'],
    [{ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, '<error>'],
    [{ matchLabels: { app: 'a b' } }, '<error>'],
  ])('%j -> %j', (ps, want) => {
    expect(formatLabelSelector(ps)).toBe(want);
  });
});
