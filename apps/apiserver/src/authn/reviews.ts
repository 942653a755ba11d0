/**
 * POST /apis/authentication.k8s.io/v1/tokenreviews and .../selfsubjectreviews, as upstream's
 * tokenreview and selfsubjectreview REST storage: create-only, never stored, 201.
 * TokenReview runs the bearer-token authenticators on spec.token for spec.audiences (default
 * --api-audiences): status.authenticated, status.user (with system:authenticated), status.audiences,
 * status.error. SelfSubjectReview answers the requesting (possibly impersonated) user.
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { decodeObject, readBody } from '../handlers/body';
import type { RequestContext, UserInfo } from '../http/context';
import { writeObject } from '../http/respond';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED } from '../filters/types';
import { authenticateBearer, intersectAudiences, type TokenAuthenticator } from './token-authenticator';
import { rfc3339 } from './token-request';

const GROUP = 'authentication.k8s.io';

function def(kind: string, plural: string): ResourceDefinition {
  return { group: GROUP, version: 'v1', kind, plural, singular: plural.slice(0, -1), namespaced: false, verbs: ['create'], strategy: {} };
}
const TOKEN_REVIEW_DEF = def('TokenReview', 'tokenreviews');
const SELF_SUBJECT_REVIEW_DEF = def('SelfSubjectReview', 'selfsubjectreviews');

/** authentication/v1 UserInfo JSON (uid, groups, extra omitted when empty) */
export function userInfoJSON(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) out.extra = user.extra;
  return out;
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}

export async function serveTokenReview(ctx: RequestContext, tokens: TokenAuthenticator, apiAudiences: string[]): Promise<void> {
  const review = decodeObject(ctx, await readBody(ctx), TOKEN_REVIEW_DEF);
  const spec = (isObject(review.spec) ? review.spec : {}) as { token?: unknown; audiences?: unknown };
  const token = typeof spec.token === 'string' ? spec.token : '';
  if (token === '') throw errors.badRequest('token is required for TokenReview in authentication');
  const specAuds = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const auds = specAuds.length ? specAuds : apiAudiences;
  const status: Record<string, unknown> = {};
  let user: UserInfo | undefined;
  let respAuds: string[] | undefined;
  try {
    const resp = await authenticateBearer(tokens, token, { audiences: auds.length ? [...auds] : undefined });
    user = withAuthenticatedGroup(resp.user);
    respAuds = resp.audiences;
    status.authenticated = true;
  } catch (e) {
    status.error = e instanceof Error ? e.message : String(e);
  }
  if (user && auds.length > 0 && intersectAudiences(auds, respAuds ?? []).length === 0) {
    throw errors.internal(new Error('error validating audiences'));
  }
  status.user = user ? userInfoJSON(user) : {};
  if (respAuds && respAuds.length) status.audiences = respAuds;
  // upstream echoes the object: authenticated (omitempty), user, audiences, error
  const ordered: Record<string, unknown> = {};
  for (const k of ['authenticated', 'user', 'audiences', 'error']) if (status[k] !== undefined) ordered[k] = status[k];
  const metadata = isObject(review.metadata) && Object.keys(review.metadata).length ? review.metadata : { creationTimestamp: null };
  writeObject(ctx, 201, { kind: 'TokenReview', apiVersion: `${GROUP}/v1`, metadata, spec: { ...spec }, status: ordered });
}

export async function serveSelfSubjectReview(ctx: RequestContext): Promise<void> {
  const body = await readBody(ctx);
  if (body.length > 0) decodeObject(ctx, body, SELF_SUBJECT_REVIEW_DEF);
  const user = ctx.user;
  if (!user) throw errors.badRequest('no user present on request');
  writeObject(ctx, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: `${GROUP}/v1`,
    metadata: { creationTimestamp: rfc3339(new Date()) },
    status: { userInfo: userInfoJSON(user) },
  });
}
