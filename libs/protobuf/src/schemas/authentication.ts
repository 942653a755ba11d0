/** authentication.k8s.io/v1 TokenRequest (the serviceaccounts/token subresource). */
import type { SchemaSet } from '../schema';

export const authenticationKinds: Record<string, string> = {
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
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
};
