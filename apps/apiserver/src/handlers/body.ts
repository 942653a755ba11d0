/** Reading and decoding request bodies: size limit, media type, JSON/YAML, kind/apiVersion checks. */
import { parse as parseYaml } from 'yaml';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, KObject } from '../../../../libs/apimachinery/src/types';
import { goJsonSyntaxError } from '../../../../libs/patch/src/go-json';
import { decodeKubernetesProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from '../../../../libs/protobuf/src';
import { apiVersionOf, ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';

/** Upstream's hard limit for a request body (3 MiB). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(ctx: RequestContext, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const req = ctx.req;
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw errors.requestEntityTooLarge(limit);
  }
  // Event listeners rather than `for await`: leaving a for-await loop early destroys the request
  // stream, and a chunked upload cut off that way leaves the connection hanging instead of
  // answering 413. Past the limit we stop buffering and let the rest drain.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(errors.requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      if (!req.complete) reject(new Error('the client closed the connection before sending the whole request body'));
      else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function mediaTypeOf(ctx: RequestContext): string {
  const ct = ctx.req.headers['content-type'];
  return (ct ?? '').split(';')[0].trim().toLowerCase();
}

const DECODABLE = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** upstream's summarizeData(body, 30): "<empty>", the text when it starts with "{", hex otherwise */
function summarize(body: Buffer): string {
  const max = 30;
  if (body.length === 0) return '<empty>';
  if (body[0] === 0x7b) return body.length > max ? `${body.subarray(0, max).toString('latin1')} ...` : body.toString('latin1');
  return body.length > max ? `${body.subarray(0, max).toString('hex')} ...` : body.toString('hex');
}

/** Parse JSON, YAML or Kubernetes protobuf into a plain value, or throw the upstream-style 400. */
export function parseDocument(body: Buffer, media: string, expectedKind: string): unknown {
  if (media === PROTOBUF_MEDIA_TYPE) return parseProtobuf(body, expectedKind);
  try {
    if (media === 'application/yaml') return parseYaml(body.toString('utf8'));
    // encoding/json's syntax error text (SimpleMetaFactory.Interpret runs json.Unmarshal first)
    const goErr = goJsonSyntaxError(body);
    if (goErr !== undefined) throw new Error(goErr);
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
    // any decoder failure (also protobufjs' own "invalid wire type", "index out of range") is the client's bad body
    const msg = e instanceof ProtobufDecodeError || e instanceof Error ? e.message : String(e);
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): ${msg} (${summarize(body)})`);
  }
}

/** Whether the scheme knows a kind in a version (a registered apiVersion/kind pair). */
export type KindRegistered = (apiVersion: string, kind: string) => boolean;

/**
 * The internal type's Go package name for a group, as reflect prints it in conversion errors
 * ("core.ConfigMap", "apps.Deployment", "networking.Ingress").
 */
function internalPackage(group: string): string {
  return group === '' ? 'core' : group.split('.')[0];
}

/**
 * Decode a create/update body for a resource: checks media type, shape, apiVersion and kind.
 * `kindRegistered` tells a kind the scheme knows (which upstream decodes, then fails to convert)
 * from one it does not (which upstream cannot even decode).
 */
export function decodeObject(
  ctx: RequestContext,
  body: Buffer,
  def: ResourceDefinition,
  expectedKind = def.kind,
  expectedApiVersion = apiVersionOf(def),
  kindRegistered?: KindRegistered,
): KObject {
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
    if (apiVersion && kindRegistered?.(apiVersion, kind)) {
      // the codec decodes the registered external type, then scheme.Convert finds no conversion
      // func into the internal type: `converting (v1.Secret) to (core.ConfigMap): unknown conversion`
      throw errors.badRequest(
        `${kind} in version "${version}" cannot be handled as a ${expectedKind}: converting (${version}.${kind}) to (${internalPackage(def.group)}.${expectedKind}): unknown conversion`,
      );
    }
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
