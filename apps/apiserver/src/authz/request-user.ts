/**
 * The requesting user, available to code below the filter chain that has no RequestContext
 * (admission hooks in the registry store), like upstream's request.UserFrom(ctx). A filter runs the
 * rest of the request inside an AsyncLocalStorage scope; background work (controllers, bootstrap)
 * runs outside any scope (`asInternal`), i.e. as the privileged loopback client.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Filter, RequestContext, UserInfo } from '../http/context';

interface RequestScope {
  user: UserInfo;
  namespace: string;
  /** the request (admission webhooks and policies add Warning headers and audit annotations) */
  ctx?: RequestContext;
  /** the request's Warning header values (ctx.warnings) */
  warnings?: string[];
}

const als = new AsyncLocalStorage<RequestScope>();

export function currentRequest(): RequestScope | undefined {
  return als.getStore();
}

export function asInternal<T>(fn: () => T): T {
  return als.exit(fn);
}

export function runAsUser<T>(user: UserInfo, namespace: string, fn: () => T): T {
  return als.run({ user, namespace }, fn);
}

/** After authorization: the rest of the request sees its user through currentRequest(). */
export function withRequestUser(): Filter {
  return (next) => (ctx) => (ctx.user ? als.run({ user: ctx.user, namespace: ctx.info.namespace, ctx, warnings: ctx.warnings }, () => next(ctx)) : next(ctx));
}
