import { describe, it, expect } from 'vitest';
import { definitionNameOf } from './definition-names';
import { packagePrefixOfGroup } from './go-packages';

describe('definitionNameOf', () => {
  it.each([
    ['V1PodSpec', 'io.k8s.api.core.v1.PodSpec'],
    ['V1PodTemplateSpec', 'io.k8s.api.core.v1.PodTemplateSpec'],
    ['V1Deployment', 'io.k8s.api.apps.v1.Deployment'],
    ['V1DeploymentStrategy', 'io.k8s.api.apps.v1.DeploymentStrategy'],
    ['V1ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
    ['V1LabelSelector', 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'],
    ['V1Lease', 'io.k8s.api.coordination.v1.Lease'],
    ['EventsV1Event', 'io.k8s.api.events.v1.Event'],
    ['CoreV1Event', 'io.k8s.api.core.v1.Event'],
    ['V1Scale', 'io.k8s.api.autoscaling.v1.Scale'],
    ['V1Eviction', 'io.k8s.api.policy.v1.Eviction'],
    ['V2HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
    ['V1ClusterRole', 'io.k8s.api.rbac.v1.ClusterRole'],
    ['V1FlowSchema', 'io.k8s.api.flowcontrol.v1.FlowSchema'],
    ['V1CustomResourceDefinition', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'],
    ['V1APIService', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService'],
    ['V1alpha1StorageVersion', 'io.k8s.api.apiserverinternal.v1alpha1.StorageVersion'],
    ['V1TopologySelectorTerm', 'io.k8s.api.core.v1.TopologySelectorTerm'],
    ['V1TokenRequestSpec', 'io.k8s.api.authentication.v1.TokenRequestSpec'],
    ['VersionInfo', 'io.k8s.apimachinery.pkg.version.Info'],
  ])('%s → %s', (model, name) => {
    expect(definitionNameOf(model)).toBe(name);
  });

  it('names packages of groups', () => {
    expect(packagePrefixOfGroup('')).toBe('io.k8s.api.core');
    expect(packagePrefixOfGroup('rbac.authorization.k8s.io')).toBe('io.k8s.api.rbac');
    expect(packagePrefixOfGroup('flowcontrol.apiserver.k8s.io')).toBe('io.k8s.api.flowcontrol');
    expect(packagePrefixOfGroup('stable.example.com')).toBe('com.example.stable');
  });
});
