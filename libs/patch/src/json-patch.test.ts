import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/src/status';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch';
import { GenericUnprocessableEntityError } from './patch-errors';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } },
  spec: {
    containers: [
      { name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
      { name: 'sidecar', image: 'busybox' },
    ],
    nullable: null,
  },
});

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

/** The 422 answer to an operation that fails, and the upstream message kept for logs. */
function failure(fn: () => unknown): string {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(GenericUnprocessableEntityError);
  expect(e.toStatus()).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    details: {},
    code: 422,
  });
  return (e as GenericUnprocessableEntityError).serverMessage;
}

describe('applyJsonPatch: operations', () => {
  it('adds, replaces, removes, moves, copies and tests', () => {
    const out = applyJsonPatch(pod(), [
      { op: 'test', path: '/metadata/labels/app', value: 'web' },
      { op: 'add', path: '/metadata/labels/env', value: 'prod' },
      { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.26' },
      { op: 'remove', path: '/metadata/labels/tier' },
      { op: 'move', from: '/metadata/annotations/a', path: '/metadata/annotations/b' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/annotations/app' },
      { op: 'add', path: '/spec/containers/-', value: { name: 'third', image: 'x' } },
    ]) as ReturnType<typeof pod>;
    expect(out.metadata).toEqual({ name: 'web', labels: { app: 'web', env: 'prod' }, annotations: { b: '1', app: 'web' } });
    expect(out.spec.containers.map((c) => c.name)).toEqual(['app', 'sidecar', 'third']);
    expect(out.spec.containers[0].image).toBe('nginx:1.26');
  });

  it('never modifies its inputs', () => {
    const doc = pod();
    const ops = [{ op: 'add', path: '/spec/containers/0/ports/-', value: { containerPort: 443 } }];
    const before = JSON.stringify(doc);
    const out = applyJsonPatch(doc, ops) as ReturnType<typeof pod>;
    expect(JSON.stringify(doc)).toBe(before);
    (out.spec.containers[0].ports as unknown[]).push('x');
    expect(ops[0].value).toEqual({ containerPort: 443 });
  });

  it('inserts at an index, and counts negative indices from the end', () => {
    const doc = { l: ['a', 'b', 'c'] };
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/l/1', value: 'x' }])).toEqual({ l: ['a', 'x', 'b', 'c'] });
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/l/3', value: 'x' }])).toEqual({ l: ['a', 'b', 'c', 'x'] });
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/l/-1', value: 'x' }])).toEqual({ l: ['a', 'b', 'c', 'x'] });
    expect(applyJsonPatch(doc, [{ op: 'remove', path: '/l/-1' }])).toEqual({ l: ['a', 'b'] });
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '/l/-3', value: 'z' }])).toEqual({ l: ['z', 'b', 'c'] });
  });

  it('decodes ~0 and ~1 in pointer tokens', () => {
    const out = applyJsonPatch({ metadata: { annotations: {} } }, [
      { op: 'add', path: '/metadata/annotations/example.com~1team', value: 'a' },
      { op: 'add', path: '/metadata/annotations/x~0y', value: 'b' },
    ]);
    expect(out).toEqual({ metadata: { annotations: { 'example.com/team': 'a', 'x~y': 'b' } } });
  });

  it('keeps upstream quirks: replace of a missing member adds it, copy of a missing member copies null', () => {
    expect(applyJsonPatch({ a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }])).toEqual({ a: { b: 1 } });
    expect(applyJsonPatch({ a: {} }, [{ op: 'copy', from: '/a/x', path: '/a/y' }])).toEqual({ a: { y: null } });
    expect(applyJsonPatch({ a: {} }, [{ op: 'add', path: '/a/b' }])).toEqual({ a: { b: null } });
  });

  it('tests absent and null members against null', () => {
    expect(applyJsonPatch(pod(), [{ op: 'test', path: '/metadata/missing', value: null }])).toEqual(pod());
    expect(applyJsonPatch(pod(), [{ op: 'test', path: '/spec/nullable', value: null }])).toEqual(pod());
    expect(applyJsonPatch(pod(), [{ op: 'test', path: '/metadata/labels', value: { tier: 'fe', app: 'web' } }])).toEqual(pod());
  });

  it('replaces and tests the whole document with an empty path', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }])).toEqual({ a: 1 });
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it('applies nothing for a null body', () => {
    expect(applyJsonPatch(pod(), 'null')).toEqual(pod());
    expect(applyJsonPatch(pod(), Buffer.from('[]'))).toEqual(pod());
  });
});

describe('applyJsonPatch: failing operations are 422', () => {
  const cases: Array<[string, unknown[], string]> = [
    ['failed test', [{ op: 'test', path: '/metadata/labels/app', value: 'db' }], 'testing value /metadata/labels/app failed: test failed'],
    ['test without value', [{ op: 'test', path: '/metadata/labels/app' }], 'testing value /metadata/labels/app failed: test failed'],
    [
      'remove of a missing member',
      [{ op: 'remove', path: '/metadata/labels/nope' }],
      "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: missing value",
    ],
    [
      'add under a missing parent',
      [{ op: 'add', path: '/spec/nope/x', value: 1 }],
      'add operation does not apply: doc is missing path: "/spec/nope/x": missing value',
    ],
    [
      'add past the end of a list',
      [{ op: 'add', path: '/spec/containers/5', value: {} }],
      "error in add for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced",
    ],
    [
      'add with a bad index',
      [{ op: 'add', path: '/spec/containers/x', value: {} }],
      "error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
    ],
    [
      'replace past the end of a list',
      [{ op: 'replace', path: '/spec/containers/2', value: {} }],
      'replace operation does not apply: doc is missing key: /spec/containers/2: missing value',
    ],
    ['unknown op', [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob'],
    ['missing op', [{ path: '/a' }], 'Unexpected kind: unknown'],
    ['null operation', [null], 'Unexpected kind: unknown'],
    ['add without path', [{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value'],
    [
      'replace with a numeric path',
      [{ op: 'replace', path: 5, value: 1 }],
      'replace operation failed to decode path: json: cannot unmarshal number into Go value of type string',
    ],
    ['move without from', [{ op: 'move', path: '/a' }], 'move operation failed to decode from: operation, missing from field: missing value'],
    [
      'move of a missing member',
      [{ op: 'move', from: '/metadata/nope', path: '/metadata/x' }],
      "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
    ],
    [
      'test through a scalar',
      [{ op: 'test', path: '/metadata/name/x', value: 1 }],
      'test operation does not apply: is missing path: /metadata/name/x: missing value',
    ],
    [
      'replace of the root with a scalar',
      [{ op: 'replace', path: '', value: 1 }],
      'replace operation value must be object or array: %!w(<nil>)',
    ],
  ];
  it.each(cases)('%s', (_name, ops, serverMessage) => {
    expect(failure(() => applyJsonPatch(pod(), ops))).toBe(serverMessage);
  });

  it('stops at the first failing operation without touching the input', () => {
    const doc = pod();
    failure(() =>
      applyJsonPatch(doc, [
        { op: 'add', path: '/metadata/labels/x', value: 'y' },
        { op: 'test', path: '/metadata/labels/app', value: 'other' },
      ]),
    );
    expect(doc).toEqual(pod());
  });
});

describe('applyJsonPatch: undecodable bodies are 400', () => {
  it('reports Go decoder errors', () => {
    const e = thrown(() => applyJsonPatch(pod(), 'invalid json patch'));
    expect(e.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "invalid character 'i' looking for beginning of value",
      reason: 'BadRequest',
      code: 400,
    });
    expect(thrown(() => applyJsonPatch(pod(), '{"op":"add"}')).message).toBe(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
    expect(thrown(() => applyJsonPatch(pod(), '[1]')).message).toBe(
      'json: cannot unmarshal number into Go value of type jsonpatch.Operation',
    );
  });

  it('prefixes errors of the strict decoding done for fieldValidation Warn/Strict', () => {
    const strict = { strictDecoding: true };
    expect(thrown(() => applyJsonPatch(pod(), '[{', strict)).message).toBe('error decoding patch: unexpected end of JSON input');
    expect(thrown(() => applyJsonPatch(pod(), '{}', strict)).message).toBe(
      'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    );
    expect(thrown(() => applyJsonPatch(pod(), '[{"op":"add","path":1}]', strict)).message).toBe(
      'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string',
    );
  });

  it('refuses more than 10000 operations with 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    const e = thrown(() => applyJsonPatch(pod(), ops));
    expect(e.code).toBe(413);
    expect(e.reason).toBe('RequestEntityTooLarge');
    expect(e.message).toBe('Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001');
    expect(applyJsonPatch(pod(), ops.slice(1))).toEqual(pod());
  });
});
