/**
 * Names of the Go packages the upstream OpenAPI definition names are built from
 * (`io.k8s.api.apps.v1.Deployment` = package prefix `io.k8s.api.apps` + version + kind).
 */

export const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const INTSTR = 'io.k8s.apimachinery.pkg.util.intstr';
export const RESOURCE = 'io.k8s.apimachinery.pkg.api.resource';
export const RUNTIME = 'io.k8s.apimachinery.pkg.runtime';
export const VERSION = 'io.k8s.apimachinery.pkg.version';

const APIEXTENSIONS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
const APIREGISTRATION = 'io.k8s.kube-aggregator.pkg.apis.apiregistration';

/**
 * Package prefix (without version) of a built-in API group, or of a custom group
 * (reversed domain, as upstream names CRD schemas: `stable.example.com` → `com.example.stable`).
 */
export function packagePrefixOfGroup(group: string): string {
  if (group === '') return 'io.k8s.api.core';
  if (group === 'apiextensions.k8s.io') return APIEXTENSIONS;
  if (group === 'apiregistration.k8s.io') return APIREGISTRATION;
  if (group === 'internal.apiserver.k8s.io') return 'io.k8s.api.apiserverinternal';
  if (group.endsWith('.k8s.io') || !group.includes('.')) return `io.k8s.api.${group.split('.')[0]}`;
  return group.split('.').reverse().join('.');
}

/**
 * Package prefix for the leading word of a client-node API class (`AppsV1Api` → `Apps`,
 * `RbacAuthorizationV1Api` → `RbacAuthorization`) or of a group-prefixed model (`CoreV1Event` → `Core`).
 */
export function packagePrefixOfApiWord(word: string): string {
  switch (word) {
    case 'Apiextensions':
      return APIEXTENSIONS;
    case 'Apiregistration':
      return APIREGISTRATION;
    case 'InternalApiserver':
      return 'io.k8s.api.apiserverinternal';
    default: {
      const first = /^[A-Z][a-z]+/.exec(word);
      return `io.k8s.api.${(first ? first[0] : word).toLowerCase()}`;
    }
  }
}
