/**
 * The handler chain: ONE ordered list of filters, in the order a request passes through them.
 *
 *   request info → tracing → panic recovery → retry-after (shutdown) → wait group → timeout
 *   → CORS → authentication → audit → impersonation → max-in-flight → authorization → handler
 *
 * (max-in-flight sits where upstream's DefaultBuildHandlerChain puts WithMaxInFlightLimit / APF: after
 * impersonation, before authorization, so it sees the user for the system:masters exemption.)
 */
import type { Filter, Handler } from '../http/context';
import { tracingEnabled } from '../../../../libs/tracing/src';
import { applyFiltersWithStageSpans } from './stage-spans';
import { withAudit } from './audit';
import { DEFAULT_ANONYMOUS_PATHS, withAuthentication } from './authentication';
import { withAuthorization } from './authorization';
import { withCORS } from './cors';
import { defaultAuthorizer } from './default-authorizer';
import { withImpersonation } from './impersonation';
import { withMaxInFlight } from './max-in-flight';
import { withPanicRecovery } from './panic-recovery';
import { withRequestInfo } from './request-info';
import { withRetryAfter } from './retry-after';
import { withTimeout } from './timeout';
import { withTracing } from './tracing';
import type { ChainDeps } from './types';
import { withWaitGroup } from './wait-group';

export interface NamedFilter {
  name: string;
  filter: Filter;
}

/** The filters in request order (first = outermost). */
export function chainFilters(deps: ChainDeps): NamedFilter[] {
  const authorizer = deps.authorizer ?? defaultAuthorizer;
  const c = deps.config;
  return [
    { name: 'request-info', filter: withRequestInfo() },
    { name: 'tracing', filter: withTracing() },
    { name: 'panic-recovery', filter: withPanicRecovery() },
    { name: 'retry-after', filter: withRetryAfter(deps.shutdown, c.shutdownSendRetryAfter ?? false) },
    { name: 'wait-group', filter: withWaitGroup(deps.shutdown) },
    { name: 'timeout', filter: withTimeout(c) },
    { name: 'cors', filter: withCORS(c) },
    { name: 'authentication', filter: withAuthentication({ authenticator: deps.authenticator, anonymousAuth: c.anonymousAuth, anonymousPaths: DEFAULT_ANONYMOUS_PATHS }) },
    { name: 'audit', filter: withAudit(deps.auditSink) },
    { name: 'impersonation', filter: withImpersonation(authorizer) },
    { name: 'max-in-flight', filter: withMaxInFlight(c) },
    { name: 'authorization', filter: withAuthorization(authorizer) },
  ];
}

/** Wrap `handler` in the filters; the first filter of the list sees the request first. */
export function applyFilters(handler: Handler, filters: readonly NamedFilter[]): Handler {
  if (!tracingEnabled()) return filters.reduceRight<Handler>((next, f) => f.filter(next), handler);
  // with tracing on, each stage is a span of its own (stage-spans.ts)
  return applyFiltersWithStageSpans(handler, filters);
}

export function buildHandlerChain(handler: Handler, deps: ChainDeps): Handler {
  return applyFilters(handler, chainFilters(deps));
}
