/**
 * authentication.k8s.io/v1 TokenReview and SelfSubjectReview: create-only, cluster-scoped, never
 * stored. These definitions make them known to discovery, OpenAPI and decoding; the API server
 * answers the creates itself (apps/apiserver/src/authn/reviews.ts).
 */
import { ResourceDefinition } from '../../../registry/src/resource';

function review(kind: string, plural: string): ResourceDefinition {
  return {
    group: 'authentication.k8s.io',
    version: 'v1',
    kind,
    plural,
    singular: plural.slice(0, -1),
    namespaced: false,
    verbs: ['create'],
    modelType: `V1${kind}`,
    strategy: {},
  };
}

export function authenticationReviewResources(): ResourceDefinition[] {
  return [review('SelfSubjectReview', 'selfsubjectreviews'), review('TokenReview', 'tokenreviews')];
}
