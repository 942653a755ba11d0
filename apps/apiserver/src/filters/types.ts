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

/** A minimal audit.k8s.io/v1 Event, emitted once per request at ResponseComplete. */
export interface AuditEvent {
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user?: UserInfo;
  impersonatedUser?: UserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus: { code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

export interface AuditSink {
  processEvent(event: AuditEvent): void;
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
