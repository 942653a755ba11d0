/**
 * authentication.k8s.io/v1 TokenRequest (the serviceaccounts/token subresource), TokenReview and
 * SelfSubjectReview (message names prefixed `Authn` where another group has the same name).
 */
import type { SchemaSet } from '../schema';

export const authenticationKinds: Record<string, string> = {
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
};

export const authenticationSchemas: SchemaSet = {
  TokenRequest: { 1: 'metadata:ObjectMeta', 2: 'spec:TokenRequestSpec', 3: 'status:TokenRequestStatus' },
  TokenRequestSpec: {
    1: 'audiences:string[]',
    3: 'boundObjectRef:BoundObjectReference?',
    4: 'expirationSeconds:int64?',
  },
  // field 4 is `uID` in the .proto file but `uid` in JSON
  BoundObjectReference: { 1: 'kind:string', 2: 'apiVersion:string', 3: 'name:string', 4: 'uid:string' },
  TokenRequestStatus: { 1: 'token:string', 2: 'expirationTimestamp:Time' },
  TokenReview: { 1: 'metadata:ObjectMeta', 2: 'spec:TokenReviewSpec', 3: 'status:TokenReviewStatus' },
  TokenReviewSpec: { 1: 'token:string', 2: 'audiences:string[]' },
  TokenReviewStatus: { 1: 'authenticated:bool', 2: 'user:AuthnUserInfo', 3: 'error:string', 4: 'audiences:string[]' },
  AuthnUserInfo: { 1: 'username:string', 2: 'uid:string', 3: 'groups:string[]', 4: 'extra:map<string,AuthnExtraValue>' },
  AuthnExtraValue: { 1: 'items:string[]' },
  SelfSubjectReview: { 1: 'metadata:ObjectMeta', 2: 'status:SelfSubjectReviewStatus' },
  SelfSubjectReviewStatus: { 1: 'userInfo:AuthnUserInfo' },
};
