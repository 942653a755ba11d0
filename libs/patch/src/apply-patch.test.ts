import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/src/status';
import {
  APPLY_PATCH_TYPE,
  applyPatch,
  CUSTOM_RESOURCE_PATCH_TYPES,
  JSON_PATCH_TYPE,
  MERGE_PATCH_TYPE,
  patchTypeOf,
  STRATEGIC_MERGE_PATCH_TYPE,
} from './apply-patch';

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
});

describe('applyPatch: content types', () => {
  it('strips parameters from the content type as upstream does', () => {
    expect(patchTypeOf('application/merge-patch+json; charset=utf-8')).toBe(MERGE_PATCH_TYPE);
    expect(patchTypeOf('application/merge-patch+json')).toBe(MERGE_PATCH_TYPE);
    expect(patchTypeOf(undefined)).toBe('');
    expect(patchTypeOf(';x')).toBe(';x');
  });

  it('dispatches each patch type', () => {
    const body = '{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"b"}]}}}}';
    const smp = applyPatch(STRATEGIC_MERGE_PATCH_TYPE, deployment(), body, 'V1Deployment') as ReturnType<typeof deployment>;
    expect(smp.spec.template.spec.containers.map((c) => c.name)).toEqual(['side', 'app']);
    const merge = applyPatch(`${MERGE_PATCH_TYPE}; charset=utf-8`, deployment(), Buffer.from(body)) as ReturnType<typeof deployment>;
    expect(merge.spec.template.spec.containers.map((c) => c.name)).toEqual(['side']);
    const json = applyPatch(JSON_PATCH_TYPE, deployment(), '[{"op":"replace","path":"/spec/replicas","value":3}]');
    expect((json as ReturnType<typeof deployment>).spec.replicas).toBe(3);
  });

  it('falls back to merge semantics for strategic patches without a type', () => {
    const body = '{"spec":{"template":{"spec":{"containers":[{"name":"side"}]}}}}';
    const out = applyPatch(STRATEGIC_MERGE_PATCH_TYPE, deployment(), body) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'side' }]);
  });

  it('answers 415 with the accepted types in upstream order', () => {
    const e = thrown(() => applyPatch('application/json', deployment(), '{}', 'V1Deployment'));
    expect(e.toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
    expect(thrown(() => applyPatch('', deployment(), '{}')).code).toBe(415);
  });

  it('refuses strategic merge patch on custom resources', () => {
    const e = thrown(() =>
      applyPatch(STRATEGIC_MERGE_PATCH_TYPE, deployment(), '{}', undefined, { supportedTypes: CUSTOM_RESOURCE_PATCH_TYPES }),
    );
    expect([e.code, e.message]).toEqual([
      415,
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    ]);
  });

  it('refuses server-side apply until one is plugged in', () => {
    const e = thrown(() => applyPatch(APPLY_PATCH_TYPE, deployment(), 'kind: Deployment', 'V1Deployment'));
    expect([e.code, e.reason, e.message]).toEqual([
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json',
    ]);
    const applied = applyPatch(APPLY_PATCH_TYPE, deployment(), 'x', 'V1Deployment', {
      serverSideApply: (original, body) => ({ original, body: body.toString() }),
    });
    expect(applied).toEqual({ original: deployment(), body: 'x' });
  });
});

describe('applyPatch: decoding per fieldValidation', () => {
  it('decodes JSON and merge patches strictly by default (upstream default Warn)', () => {
    expect(thrown(() => applyPatch(MERGE_PATCH_TYPE, deployment(), '{')).message).toBe('error decoding patch: unexpected end of JSON input');
    expect(thrown(() => applyPatch(JSON_PATCH_TYPE, deployment(), 'x')).message).toBe(
      "error decoding patch: invalid character 'x' looking for beginning of value",
    );
    expect(thrown(() => applyPatch(MERGE_PATCH_TYPE, deployment(), '[]', undefined, { fieldValidation: 'Strict' })).message).toBe(
      'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  });

  it('uses the plain decoder messages with fieldValidation=Ignore', () => {
    const ignore = { fieldValidation: 'Ignore' };
    expect(thrown(() => applyPatch(MERGE_PATCH_TYPE, deployment(), '{', undefined, ignore)).message).toBe('Invalid JSON Patch');
    expect(thrown(() => applyPatch(JSON_PATCH_TYPE, deployment(), 'x', undefined, ignore)).message).toBe(
      "invalid character 'x' looking for beginning of value",
    );
  });

  it('does not prefix strategic merge patch decode errors', () => {
    expect(thrown(() => applyPatch(STRATEGIC_MERGE_PATCH_TYPE, deployment(), '{', 'V1Deployment')).message).toBe(
      'unexpected end of JSON input',
    );
  });
});

describe('applyPatch: results that are not objects', () => {
  it('answers 422 Invalid like a failed decode of the patched object', () => {
    const e = thrown(() => applyPatch(JSON_PATCH_TYPE, deployment(), '[{"op":"replace","path":"","value":[1]}]'));
    expect(e.code).toBe(422);
    expect(e.reason).toBe('Invalid');
    expect(e.message.startsWith(' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind; json parse error:')).toBe(true);
    const merged = thrown(() => applyPatch(MERGE_PATCH_TYPE, deployment(), '[1]', undefined, { fieldValidation: 'Ignore' }));
    expect(merged.code).toBe(422);
  });
});
