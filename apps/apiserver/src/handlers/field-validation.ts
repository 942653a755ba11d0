/** fieldValidation=Strict|Warn|Ignore: unknown fields in a body fail the request or become warnings. */
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { findUnknownFields } from '../../../../libs/openapi/src';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';
import type { FieldValidation } from './options';

export function checkUnknownFields(ctx: RequestContext, def: ResourceDefinition, obj: KObject, mode: FieldValidation): void {
  if (mode === 'Ignore' || (!def.modelType && !def.unknownFields)) return;
  const unknown = def.unknownFields ? def.unknownFields(obj) : findUnknownFields(def.modelType!, obj);
  if (unknown.length === 0) return;
  const messages = unknown.map((f: string) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${messages.join(', ')}`);
  ctx.warnings.push(...messages);
}
