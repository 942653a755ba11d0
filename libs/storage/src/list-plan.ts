/**
 * How a backend answers one LIST: the key range start, the revision to pin (or 0 for the latest),
 * whether it continues an earlier page — from resourceVersion, resourceVersionMatch, limit and
 * continue, with upstream's rules and errors. Shared by every backend so they cannot drift apart.
 */
import { ContinueTokenError, decodeContinue } from './continue-token';
import { storageErrors } from './errors';
import type { ListOptions } from './interface';
import { fullKey, fullPrefix } from './etcd/keys';
import { parseResourceVersion } from './resource-version';

export interface ListPlan {
  recursive: boolean;
  /** the full key (non-recursive) or key prefix being listed */
  keyPrefix: string;
  /** the requested resourceVersion, as given */
  rvStr: string;
  /** the requested revision (0 when unset or "0") */
  fromRev: number;
  /** page size (0 = unlimited) */
  limit: number;
  /** the revision to read at (0 = the latest) */
  withRev: number;
  /** where the range starts */
  startKey: string;
  /** a continue token was given */
  continuing: boolean;
}

export function planList(pathPrefix: string, prefix: string, opts: ListOptions): ListPlan {
  const recursive = opts.recursive !== false;
  const keyPrefix = recursive ? fullPrefix(pathPrefix, prefix) : fullKey(pathPrefix, prefix);
  const rvStr = opts.resourceVersion ?? '';
  const fromRev = parseResourceVersion(rvStr, prefix);
  const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0;

  let withRev = 0;
  let startKey = keyPrefix;
  let continuing = false;
  if (recursive && opts.continue) {
    let decoded: { startKey: string; rv: number };
    try {
      decoded = decodeContinue(opts.continue, keyPrefix);
    } catch (e) {
      const msg = e instanceof ContinueTokenError ? e.message : String(e);
      throw storageErrors.badResourceVersion(prefix, `invalid continue token: ${msg}`);
    }
    if (rvStr !== '' && rvStr !== '0') {
      throw storageErrors.badResourceVersion(prefix, 'specifying resource version is not allowed when using continue');
    }
    startKey = decoded.startKey;
    continuing = true;
    if (decoded.rv > 0) withRev = decoded.rv; // < 0: continue at the latest revision
  } else if (fromRev > 0) {
    const match = opts.resourceVersionMatch ?? '';
    if (match === 'Exact' || (match === '' && recursive && limit > 0)) withRev = fromRev;
  }
  return { recursive, keyPrefix, rvStr, fromRev, limit, withRev, startKey, continuing };
}
