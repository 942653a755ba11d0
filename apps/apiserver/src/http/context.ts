/**
 * The per-request state that flows through the filter chain and the handlers. Plain objects on the
 * raw Node request/response: no per-request framework machinery on the hot path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** As k8s.io/apiserver/pkg/endpoints/request.RequestInfo. */
export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** resource verbs: get list watch create update patch delete deletecollection proxy connect;
   *  non-resource requests: the lowercased HTTP method */
  verb: string;
  /** 'api' or 'apis' for resource requests */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

/** As k8s.io/apiserver/pkg/authentication/user.Info. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** path without query */
  path: string;
  query: URLSearchParams;
  info: RequestInfo;
  /** set by the authentication filter (and replaced by impersonation) */
  user?: UserInfo;
  /** the authenticated user before impersonation */
  originalUser?: UserInfo;
  /** watches, proxy, exec...: exempt from timeout and max-in-flight */
  longRunning: boolean;
  /** aborted when the request times out or the client goes away */
  signal: AbortSignal;
  abort: AbortController;
  receivedAt: number;
  /** Warning header values (RFC 7234 299 "-" "text") collected during the request */
  warnings: string[];
  /** bytes of the response body written by writeObject (apiserver_response_sizes) */
  responseBytes?: number;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** A filter wraps the next handler, like upstream's WithXxx(handler) functions. */
export type Filter = (next: Handler) => Handler;
