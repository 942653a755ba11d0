/** k8s.io/api/core/v1 messages used by the served resources. */
import type { SchemaSet } from '../schema';

export const coreKinds: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
};

export const coreSchemas: SchemaSet = {
  Namespace: { 1: 'metadata:ObjectMeta', 2: 'spec:NamespaceSpec', 3: 'status:NamespaceStatus' },
  NamespaceSpec: { 1: 'finalizers:string[]' },
  NamespaceStatus: { 1: 'phase:string', 2: 'conditions:NamespaceCondition[]' },
  NamespaceCondition: {
    1: 'type:string',
    2: 'status:string',
    4: 'lastTransitionTime:Time',
    5: 'reason:string',
    6: 'message:string',
  },
  ConfigMap: {
    1: 'metadata:ObjectMeta',
    2: 'data:map<string,string>',
    3: 'binaryData:map<string,bytes>',
    4: 'immutable:bool?',
  },
  Secret: {
    1: 'metadata:ObjectMeta',
    2: 'data:map<string,bytes>',
    3: 'type:string',
    4: 'stringData:map<string,string>',
    5: 'immutable:bool?',
  },
  ServiceAccount: {
    1: 'metadata:ObjectMeta',
    2: 'secrets:ObjectReference[]',
    3: 'imagePullSecrets:LocalObjectReference[]',
    4: 'automountServiceAccountToken:bool?',
  },
  ObjectReference: {
    1: 'kind:string',
    2: 'namespace:string',
    3: 'name:string',
    4: 'uid:string',
    5: 'apiVersion:string',
    6: 'resourceVersion:string',
    7: 'fieldPath:string',
  },
  LocalObjectReference: { 1: 'name:string' },
};
