/** fieldValidation=Strict|Warn|Ignore: unknown fields in a body fail the request or become warnings. */
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { findUnknownFields } from '../../../../libs/openapi/src';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';
import type { FieldValidation } from './options';

/**
 * `decoded`: the body was decoded as a whole object (create, update), so a Strict failure reads as
 * upstream's transformDecodeError (`Kind in version "v1" cannot be handled as a Kind: strict decoding
 * error: ...`); patches keep the bare decoder message.
 */
export function checkUnknownFields(ctx: RequestContext, def: ResourceDefinition, obj: KObject, mode: FieldValidation, decoded = false): void {
  if (mode === 'Ignore' || (!def.modelType && !def.unknownFields)) return;
  const unknown = def.unknownFields ? def.unknownFields(obj) : findUnknownFields(def.modelType!, obj);
  if (unknown.length === 0) return;
  const messages = unknown.map((f: string) => `unknown field ${JSON.stringify(f)}`);
  const prefix = decoded ? `${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ` : '';
  if (mode === 'Strict') throw errors.badRequest(`${prefix}strict decoding error: ${messages.join(', ')}`);
  ctx.warnings.push(...messages);
}
