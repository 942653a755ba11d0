/**
 * The pluggable pieces of the filter chain: authenticators, authorizers and audit sinks, plus the
 * configuration and dependencies `buildHandlerChain` takes. Later security work plugs real
 * implementations in here.
 */
import type { RequestContext, RequestInfo, UserInfo } from '../http/context';
import type { ShutdownSignals } from '../lifecycle/shutdown-signals';

/** Well-known users and groups (k8s.io/apiserver/pkg/authentication/user). */
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';

/**
 * Finds who sent a request. Resolves null when the request offers no credentials this
 * authenticator understands; throws (e.g. AuthenticationError) when it offers invalid ones (→ 401).
 */
export interface Authenticator {
  authenticate(ctx: RequestContext): Promise<UserInfo | null>;
}

/** Thrown by authenticators for credentials that are present but invalid. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/**
 * What is being authorized: the request's RequestInfo, or a synthesized one (impersonation checks use
 * verb 'impersonate' on users/groups/serviceaccounts/userextras/uids).
 */
export type AuthorizationAttributes = RequestInfo;

export interface AuthorizationDecision {
  allowed: boolean;
  /** appended to the Forbidden message as `: <reason>` when non-empty */
  reason?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, attrs: AuthorizationAttributes): Promise<AuthorizationDecision>;
}

/** audit.k8s.io/v1 Event (apps/apiserver/src/audit/event.ts). */
export type { AuditEvent } from '../audit/event';
import type { AuditEvent } from '../audit/event';
import type { AuditPolicy } from '../audit/policy';

/**
 * Receives the audit events of every request (apps/apiserver/src/audit/backend.ts). With a
 * `policy`, levels and stages follow it; without, every request is audited at Metadata.
 * A returned promise (blocking webhook mode) is awaited before the request completes.
 */
export interface AuditSink {
  policy?: AuditPolicy;
  processEvent(event: AuditEvent): unknown;
}

/** The configuration values the chain reads (field names match ApiserverConfig). */
export interface ChainConfig {
  /** 0 = unlimited */
  maxRequestsInflight: number;
  /** 0 = unlimited */
  maxMutatingRequestsInflight: number;
  /** 0 = no timeout */
  requestTimeoutMs: number;
  /** regular expressions; empty = CORS disabled */
  corsAllowedOrigins: string[];
  anonymousAuth: boolean;
  /** --shutdown-send-retry-after (default false) */
  shutdownSendRetryAfter?: boolean;
}

export interface ChainDeps {
  config: ChainConfig;
  /** graceful shutdown state: requests in flight are tracked, new ones refused while draining */
  shutdown?: ShutdownSignals;
  /** e.g. new X509Authenticator(), or unionAuthenticator(x509, token...) */
  authenticator: Authenticator;
  /** default: defaultAuthorizer (system:masters everything; authenticated users everything but impersonation; anonymous only public info paths) */
  authorizer?: Authorizer;
  /** default: none (no events built) */
  auditSink?: AuditSink;
}
