/**
 * The entry point for every request: wraps the raw Node request/response in a RequestContext and
 * runs the filter chain. Anything that escapes the chain still gets a Status body, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, RequestContext, RequestInfo } from './context';
import { writeError } from './respond';

const EMPTY_INFO: RequestInfo = {
  isResourceRequest: false,
  path: '/',
  verb: '',
  apiPrefix: '',
  apiGroup: '',
  apiVersion: '',
  namespace: '',
  resource: '',
  subresource: '',
  name: '',
  parts: [],
};

export function createEntry(chain: Handler): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const abort = new AbortController();
    const ctx: RequestContext = {
      req,
      res,
      method: (req.method ?? 'GET').toUpperCase(),
      path: path || '/',
      query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''),
      info: EMPTY_INFO,
      longRunning: false,
      signal: abort.signal,
      abort,
      receivedAt: Date.now(),
      warnings: [],
    };
    chain(ctx).catch((err) => writeError(ctx, err));
  };
}
