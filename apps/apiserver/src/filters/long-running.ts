/**
 * Which requests are long-running (exempt from the request timeout and the in-flight limits), as
 * kube-apiserver configures BasicLongRunningRequestCheck: verbs watch and proxy; subresources
 * attach, exec, proxy, log, portforward; and /debug/pprof/ paths.
 */
import type { RequestInfo } from '../http/context';

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

export function isLongRunning(info: RequestInfo): boolean {
  if (LONG_RUNNING_VERBS.has(info.verb)) return true;
  if (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource)) return true;
  if (!info.isResourceRequest && info.path.startsWith('/debug/pprof/')) return true;
  return false;
}
