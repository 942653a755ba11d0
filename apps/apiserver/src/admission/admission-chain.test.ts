import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from '../config/apiserver-options';
import { enabledAdmissionPlugins, validateAdmissionPlugins } from './admission-options';
import { buildAdmissionChain, NOT_IMPLEMENTED_PLUGINS } from './admission-chain';

describe('admission plugin flags and chain', () => {
  it('defaults to upstream 1.32 default-on plugins, in upstream order', () => {
    expect(enabledAdmissionPlugins([], [])).toEqual([
      'NamespaceLifecycle',
      'LimitRanger',
      'ServiceAccount',
      'TaintNodesByCondition',
      'PodSecurity',
      'Priority',
      'DefaultTolerationSeconds',
      'DefaultStorageClass',
      'StorageObjectInUseProtection',
      'PersistentVolumeClaimResize',
      'RuntimeClass',
      'CertificateApproval',
      'CertificateSigning',
      'ClusterTrustBundleAttest',
      'CertificateSubjectRestriction',
      'DefaultIngressClass',
      'ValidatingAdmissionPolicy',
      'MutatingAdmissionWebhook',
      'ValidatingAdmissionWebhook',
      'ResourceQuota',
    ]);
    expect(enabledAdmissionPlugins(['AlwaysPullImages'], ['PodSecurity', 'ResourceQuota'])).toContain('AlwaysPullImages');
    expect(enabledAdmissionPlugins([], ['PodSecurity'])).not.toContain('PodSecurity');
  });

  it('rejects unknown and overlapping plugins with upstream text', () => {
    expect(validateAdmissionPlugins(['Nope'], [])).toBe('enable-admission-plugins plugin "Nope" is unknown');
    expect(validateAdmissionPlugins([], ['Nope'])).toBe('disable-admission-plugins plugin "Nope" is unknown');
    expect(validateAdmissionPlugins(['Priority', 'LimitRanger'], ['Priority', 'LimitRanger'])).toBe('[LimitRanger Priority] in enable-admission-plugins and disable-admission-plugins overlapped');
    expect(() => parseApiserverFlags(['--etcd-servers=http://127.0.0.1:2379', '--enable-admission-plugins=Foo'])).toThrow('enable-admission-plugins plugin "Foo" is unknown');
    expect(parseApiserverFlags(['--etcd-servers=http://127.0.0.1:2379', '--disable-admission-plugins=ResourceQuota,PodSecurity']).admissionPlugins).not.toContain('ResourceQuota');
  });

  it('builds hooks for implemented plugins only, mutating ones marked', () => {
    const chain = buildAdmissionChain(undefined, { storeFor: () => undefined });
    expect(chain.quota).toBeDefined();
    // NamespaceLifecycle, LimitRanger (2), ServiceAccount, PodSecurity, Priority, DefaultStorageClass, DefaultIngressClass, ResourceQuota
    expect(chain.hooks.length).toBe(9);
    expect(chain.hooks.filter((h) => h.mutating).length).toBe(5);
    expect(buildAdmissionChain(['NamespaceLifecycle'], { storeFor: () => undefined }).hooks.length).toBe(1);
    expect(NOT_IMPLEMENTED_PLUGINS).toContain('AlwaysPullImages');
    expect(NOT_IMPLEMENTED_PLUGINS).not.toContain('PodSecurity');
  });
});
