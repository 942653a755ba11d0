/**
 * authorization.k8s.io/v1 access reviews (field numbers of upstream's authorization/v1 generated.proto).
 * Not described: SubjectAccessReviewSpec.extra (5) and ResourceAttributes field/label selectors (8, 9).
 */
import type { SchemaSet } from '../schema';

export const authorizationKinds: Record<string, string> = {
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
};

export const authorizationSchemas: SchemaSet = {
  ResourceAttributes: {
    1: 'namespace:string',
    2: 'verb:string',
    3: 'group:string',
    4: 'version:string',
    5: 'resource:string',
    6: 'subresource:string',
    7: 'name:string',
  },
  NonResourceAttributes: { 1: 'path:string', 2: 'verb:string' },
  SubjectAccessReviewSpec: {
    1: 'resourceAttributes:ResourceAttributes?',
    2: 'nonResourceAttributes:NonResourceAttributes?',
    3: 'user:string',
    4: 'groups:string[]',
    6: 'uid:string',
  },
  SubjectAccessReviewStatus: { 1: 'allowed:bool?', 2: 'reason:string', 3: 'evaluationError:string', 4: 'denied:bool' },
  SubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  LocalSubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  SelfSubjectAccessReviewSpec: { 1: 'resourceAttributes:ResourceAttributes?', 2: 'nonResourceAttributes:NonResourceAttributes?' },
  SelfSubjectAccessReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SelfSubjectAccessReviewSpec', 3: 'status:SubjectAccessReviewStatus' },
  SelfSubjectRulesReviewSpec: { 1: 'namespace:string' },
  ResourceRule: { 1: 'verbs:string[]', 2: 'apiGroups:string[]', 3: 'resources:string[]', 4: 'resourceNames:string[]' },
  NonResourceRule: { 1: 'verbs:string[]', 2: 'nonResourceURLs:string[]' },
  SubjectRulesReviewStatus: {
    1: 'resourceRules:ResourceRule[]',
    2: 'nonResourceRules:NonResourceRule[]',
    3: 'incomplete:bool?',
    4: 'evaluationError:string',
  },
  SelfSubjectRulesReview: { 1: 'metadata:ObjectMeta', 2: 'spec:SelfSubjectRulesReviewSpec', 3: 'status:SubjectRulesReviewStatus' },
};
