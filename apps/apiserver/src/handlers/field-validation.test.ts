import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';
import { checkUnknownFields } from './field-validation';

const def = { group: 'r9.example.com', version: 'v1', kind: 'Gizmo', plural: 'gizmos', unknownFields: () => ['spec.junk'] } as unknown as ResourceDefinition;
const obj = { apiVersion: 'r9.example.com/v1', kind: 'Gizmo', metadata: { name: 'a' }, spec: { junk: 1 } } as KObject;

function error(f: () => void): StatusError {
  try {
    f();
  } catch (e) {
    return e as StatusError;
  }
  throw new Error('expected an error');
}

describe('checkUnknownFields', () => {
  it('Strict on a decoded body reads as upstream transformDecodeError; on a patch the bare decoder message', () => {
    const ctx = { warnings: [] as string[] } as unknown as RequestContext;
    const decoded = error(() => checkUnknownFields(ctx, def, obj, 'Strict', true));
    expect(decoded.code).toBe(400);
    expect(decoded.message).toBe('Gizmo in version "v1" cannot be handled as a Gizmo: strict decoding error: unknown field "spec.junk"');
    expect(error(() => checkUnknownFields(ctx, def, obj, 'Strict')).message).toBe('strict decoding error: unknown field "spec.junk"');
  });

  it('Warn adds warnings, Ignore does nothing', () => {
    const ctx = { warnings: [] as string[] } as unknown as RequestContext;
    checkUnknownFields(ctx, def, obj, 'Warn', true);
    checkUnknownFields(ctx, def, obj, 'Ignore', true);
    expect(ctx.warnings).toEqual(['unknown field "spec.junk"']);
  });
});
