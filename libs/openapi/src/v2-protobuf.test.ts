import { describe, it, expect } from 'vitest';
import { OpenApiBuilder } from './openapi-builder';
import { encodeV2Protobuf } from './v2-protobuf-encode';
import { decodeV2Protobuf } from './v2-protobuf-decode';
import { ProtoMessage } from './protobuf-wire';
import { SAMPLE_RESOURCES } from './testing/sample-resources';

describe('v2 protobuf (gnostic openapi.v2.Document)', () => {
  const builder = new OpenApiBuilder(() => SAMPLE_RESOURCES);
  const doc = builder.v2();
  const bytes = builder.v2Protobuf();

  it('round-trips the whole document, definitions and paths included', () => {
    const decoded = decodeV2Protobuf(bytes);
    expect(decoded).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('lays out the fields as gnostic does', () => {
    const m = new ProtoMessage(bytes);
    expect(m.string(1)).toBe('2.0');
    // definitions (9) → NamedSchema (1) {name 1, Schema 2}
    const named = m.message(9)?.messages(1) ?? [];
    const deployment = named.find((n) => n.string(1) === 'io.k8s.api.apps.v1.Deployment')?.message(2);
    expect(deployment?.message(22)?.strings(1)).toEqual(['object']); // TypeItem
    const gvk = deployment?.messages(31).find((na) => na.string(1) === 'x-kubernetes-group-version-kind');
    expect(JSON.parse(gvk?.message(2)?.string(2) ?? 'null')).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    // paths (8) → NamedPathItem (2) → PathItem.patch (8) → Operation.parameters (8) → Parameter (1) → NonBody (2) → query (3) → name (4)
    const item = m
      .message(8)
      ?.messages(2)
      .find((n) => n.string(1) === '/apis/apps/v1/namespaces/{namespace}/deployments/{name}')
      ?.message(2);
    const names = (item?.message(8)?.messages(8) ?? []).map(
      (p) => p.message(1)?.message(2)?.message(3)?.string(4) ?? p.message(1)?.message(1)?.string(2),
    );
    expect(names).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
  });

  it('encodes booleans inside oneofs and additionalProperties: false', () => {
    const out = decodeV2Protobuf(
      encodeV2Protobuf({
        swagger: '2.0',
        definitions: { X: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', 'x-y': { k: [1, 'two'] } } } } },
      }),
    );
    expect(out.definitions).toEqual({
      X: { type: 'object', additionalProperties: false, properties: { a: { type: 'string', 'x-y': { k: [1, 'two'] } } } },
    });
  });
});
