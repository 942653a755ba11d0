/**
 * Delegated authorization of an aggregated API server, as k8s.io/apiserver's
 * DelegatingAuthorizationOptions builds it: always allow some paths (/healthz, /readyz, /livez)
 * and the system:masters group, otherwise ask the API server with a SubjectAccessReview
 * (authorization.k8s.io/v1), caching allowed and denied answers for a short while (10 s each by
 * default, as upstream).
 */
import type { RequestInfo } from '../../apiserver/src/http/context';
import type { UserInfo } from './authn';

/** What a request asks for (k8s.io/apiserver RequestInfo + the user). */
export type Attributes = Pick<RequestInfo, 'isResourceRequest' | 'path' | 'verb' | 'apiGroup' | 'apiVersion' | 'namespace' | 'resource' | 'subresource' | 'name'>;

export interface Decision {
  allowed: boolean;
  reason: string;
}

export interface SubjectAccessReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export type PostSubjectAccessReview = (review: Record<string, unknown>) => Promise<SubjectAccessReviewStatus>;

export interface AuthorizerOptions {
  alwaysAllowPaths?: string[];
  alwaysAllowGroups?: string[];
  allowCacheTtlMs?: number;
  denyCacheTtlMs?: number;
  now?: () => number;
}

/** The SubjectAccessReview spec for a user and request, as the webhook authorizer writes it. */
export function subjectAccessReview(user: UserInfo, a: Attributes): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (a.isResourceRequest) {
    // every field is omitempty in authorization.k8s.io/v1 ResourceAttributes
    const ra: Record<string, string> = { namespace: a.namespace, verb: a.verb, group: a.apiGroup, version: a.apiVersion, resource: a.resource, subresource: a.subresource, name: a.name };
    spec.resourceAttributes = Object.fromEntries(Object.entries(ra).filter(([, v]) => v !== ''));
  } else {
    spec.nonResourceAttributes = { path: a.path, verb: a.verb };
  }
  spec.user = user.name;
  spec.groups = user.groups;
  if (user.extra && Object.keys(user.extra).length > 0) spec.extra = user.extra;
  if (user.uid) spec.uid = user.uid;
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec, status: { allowed: false } };
}

function pathAllowed(patterns: string[], path: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
}

export class DelegatingAuthorizer {
  private readonly cache = new Map<string, { decision: Decision; expires: number }>();
  private readonly alwaysAllowPaths: string[];
  private readonly alwaysAllowGroups: string[];
  private readonly allowTtl: number;
  private readonly denyTtl: number;
  private readonly now: () => number;

  constructor(
    private readonly post: PostSubjectAccessReview,
    opts: AuthorizerOptions = {},
  ) {
    this.alwaysAllowPaths = opts.alwaysAllowPaths ?? ['/healthz', '/readyz', '/livez'];
    this.alwaysAllowGroups = opts.alwaysAllowGroups ?? ['system:masters'];
    this.allowTtl = opts.allowCacheTtlMs ?? 10_000;
    this.denyTtl = opts.denyCacheTtlMs ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Throws when the review could not be made (the caller answers 500). */
  async authorize(user: UserInfo, a: Attributes): Promise<Decision> {
    if (!a.isResourceRequest && pathAllowed(this.alwaysAllowPaths, a.path)) return { allowed: true, reason: '' };
    if (user.groups.some((g) => this.alwaysAllowGroups.includes(g))) return { allowed: true, reason: '' };
    const review = subjectAccessReview(user, a);
    const key = JSON.stringify(review.spec);
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.decision;
    const status = await this.post(review);
    const decision: Decision = { allowed: status.allowed === true, reason: status.reason ?? '' };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { decision, expires: now + (decision.allowed ? this.allowTtl : this.denyTtl) });
    return decision;
  }
}
