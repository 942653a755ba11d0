/**
 * The Kubernetes protobuf envelope: the 4 magic bytes `k8s\0`, then a runtime.Unknown message
 * { TypeMeta typeMeta = 1; bytes raw = 2; string contentEncoding = 3; string contentType = 4 },
 * where TypeMeta is { string apiVersion = 1; string kind = 2 } and raw is the object's message.
 */
import { Writer } from 'protobufjs/minimal';
import { CompiledSchemas } from './schema';
import { decodeMessage, ProtobufDecodeError } from './decode';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

const ENVELOPE_SCHEMAS = new CompiledSchemas([
  {
    'runtime.Unknown': { 1: 'typeMeta:runtime.TypeMeta?', 2: 'raw:bytes', 3: 'contentEncoding:string', 4: 'contentType:string' },
    'runtime.TypeMeta': { 1: 'apiVersion:string', 2: 'kind:string' },
  },
]);

export function unwrapEnvelope(body: Buffer): Envelope {
  if (body.length < PROTOBUF_MAGIC.length || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new ProtobufDecodeError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  }
  const u = decodeMessage(ENVELOPE_SCHEMAS, 'runtime.Unknown', body.subarray(4));
  const tm = (u.typeMeta ?? {}) as Record<string, unknown>;
  return {
    apiVersion: String(tm.apiVersion ?? ''),
    kind: String(tm.kind ?? ''),
    raw: Buffer.from(String(u.raw ?? ''), 'base64'),
    contentEncoding: String(u.contentEncoding ?? ''),
    contentType: String(u.contentType ?? ''),
  };
}

/**
 * The enveloped body for an encoded object: magic, then runtime.Unknown with every field written as Go
 * writes it (the empty contentEncoding and contentType included).
 */
export function wrapEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = Writer.create();
  w.uint32(0x0a).fork();
  w.uint32(0x0a).string(apiVersion);
  w.uint32(0x12).string(kind);
  w.ldelim();
  w.uint32(0x12).bytes(raw);
  w.uint32(0x1a).string('');
  w.uint32(0x22).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}
