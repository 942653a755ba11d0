import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/src/status';
import { applyMergePatch } from './merge-patch';

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

describe('applyMergePatch: RFC 7386 appendix A', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j', (doc, patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });
});

describe('applyMergePatch: as kube-apiserver applies it', () => {
  const deployment = () => ({
    metadata: { name: 'web', labels: { app: 'web', tier: 'fe' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'b' }] } } },
  });

  it('scales (kubectl scale) and labels (kubectl label k-) ', () => {
    const out = applyMergePatch(deployment(), '{"spec":{"replicas":5}}') as ReturnType<typeof deployment>;
    expect(out.spec.replicas).toBe(5);
    const unlabelled = applyMergePatch(deployment(), Buffer.from('{"metadata":{"labels":{"tier":null,"env":"prod"}}}'));
    expect((unlabelled as ReturnType<typeof deployment>).metadata.labels).toEqual({ app: 'web', env: 'prod' });
  });

  it('replaces lists whole', () => {
    const out = applyMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: 'app', image: 'x' }] } } } });
    expect((out as ReturnType<typeof deployment>).spec.template.spec.containers).toEqual([{ name: 'app', image: 'x' }]);
  });

  it('prunes null members inside added values but keeps null list elements', () => {
    expect(applyMergePatch({ a: [1] }, { a: [null, { x: null, y: 1 }] })).toEqual({ a: [null, { y: 1 }] });
    expect(applyMergePatch({}, { a: { b: null, c: [{ d: null }] } })).toEqual({ a: { c: [{}] } });
    // an existing object replaced by an array is not pruned (jsonpatch's merge() quirk)
    expect(applyMergePatch({ a: { x: 1 } }, { a: [{ d: null }] })).toEqual({ a: [{ d: null }] });
  });

  it('never modifies its inputs', () => {
    const doc = deployment();
    const patch = { metadata: { labels: { app: null } }, spec: { template: { spec: { containers: [] } } } };
    applyMergePatch(doc, patch);
    expect(doc).toEqual(deployment());
    expect(patch.metadata.labels.app).toBeNull();
  });

  it('rejects bodies that are not a JSON object or array with 400 "Invalid JSON Patch"', () => {
    for (const body of ['{', 'null', '"x"', '5', 'true']) {
      const e = thrown(() => applyMergePatch(deployment(), body));
      expect(e.code).toBe(400);
      expect(e.reason).toBe('BadRequest');
      expect(e.message).toBe('Invalid JSON Patch');
    }
  });

  it('reports strict decoding errors (fieldValidation Warn/Strict) with the decoder message', () => {
    const strict = { strictDecoding: true };
    expect(thrown(() => applyMergePatch(deployment(), '{"a":', strict)).message).toBe(
      'error decoding patch: unexpected end of JSON input',
    );
    expect(thrown(() => applyMergePatch(deployment(), '[1]', strict)).message).toBe(
      'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    expect(thrown(() => applyMergePatch(deployment(), 'null', strict)).message).toBe('Invalid JSON Patch');
  });
});
