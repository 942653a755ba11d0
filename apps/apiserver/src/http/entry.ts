/**
 * The entry point for every request: wraps the raw Node request/response in a RequestContext and
 * runs the filter chain. Anything that escapes the chain still gets a Status body, never a crash.
 * With `metrics`, every request is recorded once the chain has settled (apiserver_request_total,
 * apiserver_request_duration_seconds): one timestamp and one callback, no per-request framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, RequestContext, RequestInfo } from './context';
import { writeError } from './respond';

/** What the entry records finished requests into (ApiserverMetrics). */
export interface RequestObserver {
  observeRequest(ctx: RequestContext, seconds: number): void;
}

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

export function createEntry(chain: Handler, metrics?: RequestObserver): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const started = metrics ? performance.now() : 0;
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
    const done = chain(ctx).catch((err) => writeError(ctx, err));
    if (metrics) {
      void done.then(() => {
        try {
          metrics.observeRequest(ctx, (performance.now() - started) / 1000);
        } catch {
          /* never let metrics break a request */
        }
      });
    }
  };
}
