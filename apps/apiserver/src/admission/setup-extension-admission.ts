/**
 * The dynamic admission plugins, in upstream's order at the end of the chain:
 * MutatingAdmissionWebhook (mutating), then ValidatingAdmissionPolicy and ValidatingAdmissionWebhook
 * (validating). Configurations, policies and namespace labels are followed in memory.
 */
import { deepCopy, KObject } from '../../../../libs/apimachinery/src/types';
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
  const webhooks = new WebhookDispatcher({ storeFor: lookup, versionsOf, dialer, converter: (group, resource, from, to) => versionConverter(registry, group, resource, from, to) });
  const policies = new ValidatingAdmissionPolicyPlugin({
    storeFor: lookup,
    versionsOf,
    converter: (group, resource, from, to) => versionConverter(registry, group, resource, from, to),
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

/**
 * Served version → served version of one resource in memory, through the storage form (the
 * definitions' `conversion`); undefined for definitions converting with I/O (CRD Webhook conversion).
 */
export function versionConverter(registry: ResourceRegistry, group: string, resource: string, from: string, to: string): { kind: string; convert(obj: KObject): KObject } | undefined {
  const src = registry.lookup(group, from, resource);
  const dst = registry.lookup(group, to, resource);
  if (!src || !dst || src.wrapStorage || dst.wrapStorage) return undefined;
  const apiVersion = group ? `${group}/${to}` : to;
  return {
    kind: dst.kind,
    convert: (obj) => {
      const stored = src.conversion ? src.conversion.toStorage(deepCopy(obj)) : deepCopy(obj);
      const out = dst.conversion ? dst.conversion.fromStorage(stored) : stored;
      return { ...out, apiVersion, kind: dst.kind };
    },
  };
}
