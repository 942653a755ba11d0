/**
 * The dynamic admission plugins, in upstream's order at the end of the chain:
 * MutatingAdmissionWebhook (mutating), then ValidatingAdmissionPolicy and ValidatingAdmissionWebhook
 * (validating). Configurations, policies and namespace labels are followed in memory.
 */
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { AdmissionHook, Store } from '../../../../libs/registry/src/store';
import type { Dialer } from '../egress/egress-selector';
import { ValidatingAdmissionPolicyPlugin } from './policy/validating-admission-policy';
import { WebhookDispatcher } from './webhook/dispatcher';

export interface ExtensionAdmission {
  hooks: AdmissionHook[];
  stop(): void;
}

/** `enabled`: the enabled admission plugin names (all three when undefined) */
export function extensionAdmission(registry: ResourceRegistry, storeFor: (def: ResourceDefinition) => Store, dialer: Dialer, enabled?: readonly string[]): ExtensionAdmission {
  const lookup = (group: string, version: string, plural: string) => {
    const def = registry.lookup(group, version, plural);
    return def && storeFor(def);
  };
  const versionsOf = (group: string, resource: string) =>
    registry
      .all()
      .filter((d) => d.group === group && d.plural === resource)
      .map((d) => d.version);
  const webhooks = new WebhookDispatcher({ storeFor: lookup, versionsOf, dialer });
  const policies = new ValidatingAdmissionPolicyPlugin({
    storeFor: lookup,
    versionsOf,
    storeForKind: (apiVersion, kind) => {
      const def = registry.lookupKind(apiVersion, kind);
      return def && storeFor(def);
    },
  });
  return {
    hooks: (
      [
        ['MutatingAdmissionWebhook', webhooks.mutatingHook()],
        ['ValidatingAdmissionPolicy', policies.hook()],
        ['ValidatingAdmissionWebhook', webhooks.validatingHook()],
      ] as const
    )
      .filter(([name]) => !enabled || enabled.includes(name))
      .map(([, hook]) => hook),
    stop: () => {
      webhooks.stop();
      policies.stop();
    },
  };
}
