/** Kubernetes protobuf wire format: decoding request bodies of the built-in kinds, and encoding them. */
import { CompiledSchemas } from './schema';
import { decodeMessage, ProtobufDecodeError } from './decode';
import { encodeMessage, ProtobufEncodeError } from './encode';
import { unwrapEnvelope, wrapEnvelope } from './envelope';
import { authenticationKinds, authenticationSchemas } from './schemas/authentication';
import { autoscalingKinds, autoscalingSchemas } from './schemas/autoscaling';
import { coreExtraKinds, coreExtraSchemas } from './schemas/core-extras';
import { certificatesKinds, certificatesSchemas } from './schemas/certificates';
import { authorizationKinds, authorizationSchemas } from './schemas/authorization';
import { containerSchemas } from './schemas/container';
import { coordinationKinds, coordinationSchemas } from './schemas/coordination';
import { coreKinds, coreSchemas } from './schemas/core';
import { eventKinds, eventSchemas } from './schemas/events';
import { metaKinds, metaSchemas } from './schemas/meta';
import { networkingKinds, networkingSchemas } from './schemas/networking';
import { nodeKinds, nodeSchemas } from './schemas/node';
import { podKinds, podSchemas } from './schemas/pod';
import { schedulingKinds, schedulingSchemas } from './schemas/scheduling';
import { storageKinds, storageSchemas } from './schemas/storage';
import { rbacKinds, rbacSchemas } from './schemas/rbac';
import { serviceKinds, serviceSchemas } from './schemas/service';
import { volumeSchemas } from './schemas/volume';
import { workloadKinds, workloadSchemas } from './schemas/workloads';
import { workloadSetKinds, workloadSetSchemas } from './schemas/workload-sets';
import { batchKinds, batchSchemas } from './schemas/batch';
import { policyKinds, policySchemas } from './schemas/policy';

export { ProtobufDecodeError } from './decode';
export { ProtobufEncodeError } from './encode';
export { PROTOBUF_MAGIC, unwrapEnvelope, wrapEnvelope } from './envelope';
export { CompiledSchemas } from './schema';
export type { SchemaSet } from './schema';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** `<apiVersion>/<Kind>` → the message holding that kind. */
export const KIND_MESSAGES: Readonly<Record<string, string>> = {
  ...metaKinds,
  ...coreKinds,
  ...podKinds,
  ...serviceKinds,
  ...nodeKinds,
  ...eventKinds,
  ...workloadKinds,
  ...workloadSetKinds,
  ...batchKinds,
  ...policyKinds,
  ...coordinationKinds,
  ...authenticationKinds,
  ...autoscalingKinds,
  ...coreExtraKinds,
  ...networkingKinds,
  ...schedulingKinds,
  ...storageKinds,
  ...certificatesKinds,
  ...rbacKinds,
  ...authorizationKinds,
};

const SCHEMAS = new CompiledSchemas([
  metaSchemas,
  coreSchemas,
  containerSchemas,
  volumeSchemas,
  podSchemas,
  serviceSchemas,
  nodeSchemas,
  eventSchemas,
  workloadSchemas,
  workloadSetSchemas,
  batchSchemas,
  policySchemas,
  coordinationSchemas,
  authenticationSchemas,
  autoscalingSchemas,
  coreExtraSchemas,
  networkingSchemas,
  schedulingSchemas,
  storageSchemas,
  certificatesSchemas,
  rbacSchemas,
  authorizationSchemas,
]);

export function kubernetesSchemas(): CompiledSchemas {
  return SCHEMAS;
}

/** Whether a kind (`apiVersion` + `kind`) can be decoded from (and encoded to) protobuf. */
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

/** Encode an object (JSON form, apiVersion and kind set) as an enveloped protobuf body. */
export function encodeKubernetesProtobuf(obj: Record<string, unknown>): Buffer {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const message = KIND_MESSAGES[`${apiVersion}/${kind}`];
  if (!message) throw new ProtobufEncodeError(`no protobuf schema for ${apiVersion}, Kind=${kind}`);
  return wrapEnvelope(apiVersion, kind, encodeMessage(SCHEMAS, message, obj));
}
