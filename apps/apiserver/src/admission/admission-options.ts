/**
 * --enable-admission-plugins / --disable-admission-plugins (upstream's flags, plugin names, order
 * and default-on set for 1.32; validation messages as upstream's AdmissionOptions.Validate).
 */
import { flag } from '../config/flags';
import { flagTypes } from '../config/flag-types';

/** upstream's AllOrderedPlugins (pkg/kubeapiserver/options/plugins.go, 1.32): the chain runs in this order */
export const ALL_ORDERED_PLUGINS = [
  'AlwaysAdmit',
  'NamespaceAutoProvision',
  'NamespaceLifecycle',
  'NamespaceExists',
  'LimitPodHardAntiAffinityTopology',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'AlwaysPullImages',
  'ImagePolicyWebhook',
  'PodSecurity',
  'PodNodeSelector',
  'Priority',
  'DefaultTolerationSeconds',
  'PodTolerationRestriction',
  'EventRateLimit',
  'ExtendedResourceToleration',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'OwnerReferencesPermissionEnforcement',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'DenyServiceExternalIPs',
  'MutatingAdmissionPolicy',
  'ValidatingAdmissionPolicy',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'AlwaysDeny',
] as const;

/** upstream's DefaultOffAdmissionPlugins complement: the plugins on when no flag names them */
export const DEFAULT_ON_PLUGINS = new Set<string>([
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'DefaultStorageClass',
  'PersistentVolumeClaimResize',
  'DefaultTolerationSeconds',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
  'StorageObjectInUseProtection',
  'Priority',
  'TaintNodesByCondition',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'PodSecurity',
  'ValidatingAdmissionPolicy',
]);

/** Validate the two flags together; undefined = fine, else upstream's first message. */
export function validateAdmissionPlugins(enable: string[], disable: string[]): string | undefined {
  const known = new Set<string>(ALL_ORDERED_PLUGINS);
  for (const p of enable) if (!known.has(p)) return `enable-admission-plugins plugin "${p}" is unknown`;
  for (const p of disable) if (!known.has(p)) return `disable-admission-plugins plugin "${p}" is unknown`;
  const both = [...new Set(enable.filter((p) => disable.includes(p)))].sort();
  if (both.length) return `[${both.join(' ')}] in enable-admission-plugins and disable-admission-plugins overlapped`;
  return undefined;
}

/** The enabled plugin names in upstream's order: the default-on set, plus enable, minus disable. */
export function enabledAdmissionPlugins(enable: string[], disable: string[]): string[] {
  return ALL_ORDERED_PLUGINS.filter((p) => (DEFAULT_ON_PLUGINS.has(p) || enable.includes(p)) && !disable.includes(p));
}

/** the tail both flags' usage shares: the default-on set, then every plugin name */
const PLUGIN_LISTS_USAGE = `${[...DEFAULT_ON_PLUGINS].join(', ')}). Comma-delimited list of admission plugins: ${[...ALL_ORDERED_PLUGINS].sort().join(', ')}. The order of plugins in this flag does not matter.`;

export const admissionFlagSpecs = {
  enableAdmissionPlugins: flag({
    name: 'enable-admission-plugins',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: `admission plugins that should be enabled in addition to default enabled ones (${PLUGIN_LISTS_USAGE}`,
    validate: (v: string[]) => validateAdmissionPlugins(v, []),
  }),
  disableAdmissionPlugins: flag({
    name: 'disable-admission-plugins',
    type: flagTypes.stringSlice,
    default: [] as string[],
    usage: `admission plugins that should be disabled although they are in the default enabled plugins list (${PLUGIN_LISTS_USAGE}`,
    validate: (v: string[]) => validateAdmissionPlugins([], v),
  }),
};
