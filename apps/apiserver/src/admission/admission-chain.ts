/**
 * The admission chain: the plugins enabled by --enable-admission-plugins /
 * --disable-admission-plugins (admission-options.ts), built in upstream's order. Mutating hooks
 * (mutatingAdmission) run, in this order, before validation; the others after it (store.ts).
 * Plugins upstream knows but Kubernest does not implement are accepted and skipped
 * (NOT_IMPLEMENTED, listed in the README).
 */
import { AdmissionHook, Store } from '../../../../libs/registry/src/store';
import { ALL_ORDERED_PLUGINS, enabledAdmissionPlugins } from './admission-options';
import { defaultIngressClass } from './default-ingress-class';
import { defaultStorageClass } from './default-storage-class';
import { limitRanger } from './limit-ranger';
import { namespaceLifecycle } from './namespace-lifecycle';
import { podSecurityAdmission } from './pod-security';
import { priorityAdmission } from './priority';
import { ResourceQuotaAdmission } from './resource-quota';
import { serviceAccountAdmission } from './service-account';

export interface AdmissionChainDeps {
  /** the store of a resource by group and plural (any served version) */
  storeFor: (group: string, plural: string) => Store | undefined;
}

export const IMPLEMENTED_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'PodSecurity',
  'Priority',
  'DefaultStorageClass',
  'DefaultIngressClass',
  'ResourceQuota',
  // the dynamic plugins (setup-extension-admission.ts), switched by the same flags
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
] as const;

export const NOT_IMPLEMENTED_PLUGINS = ALL_ORDERED_PLUGINS.filter((p) => !(IMPLEMENTED_PLUGINS as readonly string[]).includes(p));

export interface AdmissionChain {
  hooks: AdmissionHook[];
  /** the enabled plugin names, in order */
  plugins: string[];
  /** the quota plugin, when enabled (its recalculation loop is started by the server) */
  quota?: ResourceQuotaAdmission;
}

export function buildAdmissionChain(plugins: string[] | undefined, deps: AdmissionChainDeps): AdmissionChain {
  const enabled = plugins ?? enabledAdmissionPlugins([], []);
  const store = (group: string, plural: string) => () => deps.storeFor(group, plural);
  const hooks: AdmissionHook[] = [];
  let quota: ResourceQuotaAdmission | undefined;
  for (const name of enabled) {
    switch (name) {
      case 'NamespaceLifecycle':
        hooks.push(namespaceLifecycle(() => deps.storeFor('', 'namespaces')!));
        break;
      case 'LimitRanger':
        hooks.push(...limitRanger(store('', 'limitranges')));
        break;
      case 'ServiceAccount':
        hooks.push(serviceAccountAdmission(store('', 'serviceaccounts')));
        break;
      case 'PodSecurity':
        hooks.push(podSecurityAdmission(store('', 'namespaces')));
        break;
      case 'Priority':
        hooks.push(priorityAdmission(store('scheduling.k8s.io', 'priorityclasses')));
        break;
      case 'DefaultStorageClass':
        hooks.push(defaultStorageClass(store('storage.k8s.io', 'storageclasses')));
        break;
      case 'DefaultIngressClass':
        hooks.push(defaultIngressClass(store('networking.k8s.io', 'ingressclasses')));
        break;
      case 'ResourceQuota':
        quota = new ResourceQuotaAdmission({ quotas: store('', 'resourcequotas'), storeFor: deps.storeFor });
        hooks.push(quota.hook);
        break;
      default:
        break; // accepted, not implemented (README)
    }
  }
  return { hooks, plugins: enabled, quota };
}
