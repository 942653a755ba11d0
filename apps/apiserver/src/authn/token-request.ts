/**
 * POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token: the TokenRequest subresource, as
 * upstream's TokenREST.Create. Name/namespace in the body must match the URL; the service account
 * must exist; audiences default to --api-audiences, expirationSeconds to 3600 (at least 600, at
 * most 2^32; shortened to --service-account-max-token-expiration with a warning); boundObjectRef
 * binds to a Pod (same service account; node info added), Secret or Node, with a UID check.
 * Answers 201 with status.token and status.expirationTimestamp. Nothing is stored.
 */
import { fieldErrors } from '../../../../libs/apimachinery/src/field-errors';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, KObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { decodeObject, readBody } from '../handlers/body';
import type { RequestContext } from '../http/context';
import { writeObject } from '../http/respond';
import type { SigningKey } from './sa-keys';
import { boundTokenClaims, signToken } from './service-account-token';

export const TOKEN_REQUEST_DEF: ResourceDefinition = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenRequest',
  plural: 'tokenrequests',
  singular: 'tokenrequest',
  namespaced: true,
  strategy: {},
};

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** upstream token.WarnOnlyBoundTokenExpirationSeconds and ExpirationExtensionSeconds */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60;

export interface TokenRequestDeps {
  issuer: string;
  apiAudiences: string[];
  signingKey: SigningKey;
  /** 0 = no maximum */
  maxExpirationSeconds: number;
  /** --service-account-extend-token-expiration: pod-bound 3607 s tokens (kubelet's) last a year, warning after 3607 s */
  extendExpiration?: boolean;
  /** get an object (throws NotFound StatusErrors as the stores do) */
  get(resource: 'serviceaccounts' | 'secrets' | 'pods' | 'nodes', namespace: string, name: string): Promise<KObject>;
}

/** RFC 3339 in seconds, as metav1.Time marshals */
export const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function gvkString(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${group}/${version}, Kind=${kind}`;
}

export async function serveTokenRequest(ctx: RequestContext, deps: TokenRequestDeps): Promise<void> {
  const { namespace, name } = ctx.info;
  if (ctx.info.verb !== 'create') throw errors.methodNotAllowed();
  if (!namespace) throw errors.badRequest('namespace is required');
  const req = decodeObject(ctx, await readBody(ctx), TOKEN_REQUEST_DEF);
  const meta = req.metadata;
  if (meta.name && meta.name !== name) {
    throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [fieldErrors.invalid('metadata.name', meta.name, 'must match the service account name if specified')]);
  }
  if (meta.namespace && meta.namespace !== namespace) {
    throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, [
      fieldErrors.invalid('metadata.namespace', meta.namespace, 'must match the service account namespace if specified'),
    ]);
  }
  const sa = await deps.get('serviceaccounts', namespace, name);
  const spec = (isObject(req.spec) ? req.spec : {}) as { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
  let audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  if (audiences.length === 0) audiences = [...deps.apiAudiences];
  let expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : DEFAULT_EXPIRATION_SECONDS;
  const now = new Date();
  const errs = [];
  if (expirationSeconds < MIN_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (expirationSeconds > MAX_EXPIRATION_SECONDS) errs.push(fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw errors.invalid('authentication.k8s.io', 'TokenRequest', name, errs);

  let pod: KObject | undefined;
  let secret: KObject | undefined;
  let node: KObject | undefined;
  let podNode: { name: string; uid?: string } | undefined;
  const ref = isObject(spec.boundObjectRef) ? (spec.boundObjectRef as { kind?: string; apiVersion?: string; name?: string; uid?: string }) : undefined;
  if (ref) {
    const apiVersion = ref.apiVersion ?? '';
    const kind = ref.kind ?? '';
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const refName = ref.name ?? '';
    let uid: string | undefined;
    if (group === '' && kind === 'Pod') {
      pod = await deps.get('pods', namespace, refName);
      const podSA = ((pod as { spec?: { serviceAccountName?: string } }).spec?.serviceAccountName ?? '') || 'default';
      if (name !== podSA) throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to pod running with different serviceaccount name.`);
      uid = pod.metadata.uid;
      const nodeName = (pod as { spec?: { nodeName?: string } }).spec?.nodeName;
      if (nodeName) {
        const n = await deps.get('nodes', '', nodeName).catch(() => undefined);
        podNode = n?.metadata.uid ? { name: nodeName, uid: n.metadata.uid } : { name: nodeName };
      }
    } else if (group === '' && kind === 'Node') {
      node = await deps.get('nodes', '', refName);
      uid = node.metadata.uid;
    } else if (group === '' && kind === 'Secret') {
      secret = await deps.get('secrets', namespace, refName);
      uid = secret.metadata.uid;
    } else {
      throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(name)} to object of type ${gvkString(apiVersion, kind)}`);
    }
    if (ref.uid && uid !== ref.uid) {
      throw errors.conflict(
        { group, resource: kind },
        refName,
        `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
      );
    }
  }
  if (deps.maxExpirationSeconds > 0 && expirationSeconds > deps.maxExpirationSeconds) {
    ctx.warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${deps.maxExpirationSeconds} seconds`);
    expirationSeconds = deps.maxExpirationSeconds;
  }
  let tokenSeconds = expirationSeconds;
  let warnAfterSeconds: number | undefined;
  if (deps.extendExpiration && pod && expirationSeconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS) {
    warnAfterSeconds = expirationSeconds;
    tokenSeconds = Math.max(EXPIRATION_EXTENSION_SECONDS, expirationSeconds);
  }
  const claims = boundTokenClaims({ issuer: deps.issuer, serviceAccount: sa, audiences, expirationSeconds: tokenSeconds, pod, secret, node, podNode, now, warnAfterSeconds });
  const token = await signToken(deps.signingKey, claims);
  const outSpec: Record<string, unknown> = { audiences, expirationSeconds };
  if (ref) outSpec.boundObjectRef = ref;
  writeObject(ctx, 201, {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: meta.name || name, namespace: meta.namespace || namespace, creationTimestamp: rfc3339(now) },
    spec: outSpec,
    status: { token, expirationTimestamp: rfc3339(new Date(now.getTime() + expirationSeconds * 1000)) },
  });
}
