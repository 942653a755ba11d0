/** Reading and decoding request bodies: size limit, media type, JSON/YAML, kind/apiVersion checks. */
import { parse as parseYaml } from 'yaml';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, KObject } from '../../../../libs/apimachinery/src/types';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from '../../../../libs/protobuf/src';
import { apiVersionOf, ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';

/** Upstream's hard limit for a request body (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(ctx: RequestContext, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(ctx.req.headers['content-length'] ?? '0');
  if (declared > limit) {
    ctx.req.resume();
    throw errors.requestEntityTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.resume();
      throw errors.requestEntityTooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function mediaTypeOf(ctx: RequestContext): string {
  const ct = ctx.req.headers['content-type'];
  return (ct ?? '').split(';')[0].trim().toLowerCase();
}

const DECODABLE = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

function summarize(body: Buffer): string {
  const max = 30;
  return body.length > max ? `${body.subarray(0, max).toString('hex')} ...` : body.toString('hex');
}

/** Parse JSON, YAML or Kubernetes protobuf into a plain value, or throw the upstream-style 400. */
export function parseDocument(body: Buffer, media: string, expectedKind: string): unknown {
  if (media === PROTOBUF_MEDIA_TYPE) return parseProtobuf(body, expectedKind);
  try {
    if (media === 'application/yaml') return parseYaml(body.toString('utf8'));
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; json parse error: ${msg} (${summarize(body)})`,
    );
  }
}

function parseProtobuf(body: Buffer, expectedKind: string): unknown {
  try {
    return decodeKubernetesProtobuf(body);
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError)) throw e;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${e.message} (${summarize(body)})`);
  }
}

/** Decode a create/update body for a resource: checks media type, shape, apiVersion and kind. */
export function decodeObject(ctx: RequestContext, body: Buffer, def: ResourceDefinition, expectedKind = def.kind, expectedApiVersion = apiVersionOf(def)): KObject {
  const media = mediaTypeOf(ctx) || 'application/json';
  if (!DECODABLE.includes(media)) {
    throw errors.unsupportedMediaType(media, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  }
  if (body.length === 0) throw errors.badRequest('the server rejected our request for an unknown reason');
  const doc = parseDocument(body, media, expectedKind);
  if (!isObject(doc)) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(doc) ? 'array' : typeof doc} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (${summarize(body)})`,
    );
  }
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  if (kind && kind !== expectedKind) {
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    throw errors.badRequest(
      `${kind} in version "${version}" cannot be handled as a ${expectedKind}: no kind "${kind}" is registered for version "${apiVersion}" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"`,
    );
  }
  if (apiVersion && apiVersion !== expectedApiVersion) {
    throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${expectedApiVersion})`);
  }
  if (doc.metadata !== undefined && doc.metadata !== null && !isObject(doc.metadata)) {
    throw errors.badRequest(
      `${expectedKind} in version "${expectedApiVersion.split('/').pop()}" cannot be handled as a ${expectedKind}: json: cannot unmarshal ${Array.isArray(doc.metadata) ? 'array' : typeof doc.metadata} into Go struct field ${expectedKind}.metadata of type v1.ObjectMeta`,
    );
  }
  const obj = doc as KObject;
  obj.apiVersion = expectedApiVersion;
  obj.kind = expectedKind;
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj;
}
