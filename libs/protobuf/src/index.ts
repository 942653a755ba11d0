/** Kubernetes protobuf wire format: decoding request bodies of the built-in kinds. */
import { CompiledSchemas } from './schema';
import { decodeMessage, ProtobufDecodeError } from './decode';
import { unwrapEnvelope } from './envelope';
import { coreKinds, coreSchemas } from './schemas/core';
import { metaKinds, metaSchemas } from './schemas/meta';

export { ProtobufDecodeError } from './decode';
export { PROTOBUF_MAGIC, unwrapEnvelope } from './envelope';
export { CompiledSchemas } from './schema';
export type { SchemaSet } from './schema';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const KIND_MESSAGES: Record<string, string> = { ...metaKinds, ...coreKinds };
const SCHEMAS = new CompiledSchemas([metaSchemas, coreSchemas]);

export function kubernetesSchemas(): CompiledSchemas {
  return SCHEMAS;
}

/** Whether a kind (`apiVersion` + `kind`) can be decoded from protobuf. */
export function protobufSupports(apiVersion: string, kind: string): boolean {
  return `${apiVersion}/${kind}` in KIND_MESSAGES;
}

/** Decode an enveloped protobuf body into the object's JSON form, apiVersion and kind set. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  const env = unwrapEnvelope(body);
  if (env.contentEncoding) throw new ProtobufDecodeError(`unsupported content encoding ${env.contentEncoding}`);
  const message = KIND_MESSAGES[`${env.apiVersion}/${env.kind}`];
  if (!message) throw new ProtobufDecodeError(`no protobuf schema for ${env.apiVersion}, Kind=${env.kind}`);
  const obj = decodeMessage(SCHEMAS, message, env.raw);
  return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
}
