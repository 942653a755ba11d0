/**
 * How this replica reaches CRD conversion webhooks: the admission webhook client (HTTPS verified
 * against the CRD's caBundle; a service reference resolved to a ready endpoint and dialled through
 * the `cluster` egress), without the `?timeout=` parameter and with upstream's conversion error
 * wording (`Post "https://...": dial tcp ...`, wrapped by the converter into
 * `conversion webhook for <gvk> failed: ...`).
 */
import { StorageWrapperEnv } from '../../../../libs/registry/src/resource';
import { Store } from '../../../../libs/registry/src/store';
import { callWebhook, resolveServiceEndpoint } from '../admission/webhook/client';
import type { Dialer } from '../egress/egress-selector';

export interface ConversionWebhookDeps {
  /** the `cluster` egress (read at call time) */
  dialer(): Dialer;
  storeFor(group: string, version: string, plural: string): Store | undefined;
}

export function conversionWebhookEnv(deps: ConversionWebhookDeps): StorageWrapperEnv {
  return {
    callWebhook: (clientConfig, review, timeoutSeconds) =>
      callWebhook(
        clientConfig,
        review,
        timeoutSeconds,
        { dialer: deps.dialer(), resolveService: (ns, name, port) => resolveServiceEndpoint((g, v, p) => deps.storeFor(g, v, p), ns, name, port) },
        { timeoutParam: false, errorPrefix: '' },
      ),
  };
}
