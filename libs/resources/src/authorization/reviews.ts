/**
 * authorization.k8s.io/v1 access reviews: create-only, never stored. These definitions only make
 * them known to discovery, OpenAPI and decoding; the API server answers the creates itself
 * (apps/apiserver/src/authz/reviews.ts) by asking its authorizer.
 */
import { ResourceDefinition } from '../../../registry/src/resource';
import { column, nameColumn } from '../printing/columns';

function review(kind: string, plural: string, namespaced = false): ResourceDefinition {
  return {
    group: 'authorization.k8s.io',
    version: 'v1',
    kind,
    plural,
    singular: plural.slice(0, -1),
    namespaced,
    verbs: ['create'],
    modelType: `V1${kind}`,
    strategy: {},
    // the default table (upstream's DefaultTableConvertor): Name, Created At
    table: {
      columns: [nameColumn(), column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
      cells: (o) => [o.metadata.name ?? '', o.metadata.creationTimestamp ?? ''],
    },
  };
}

export function authorizationReviewResources(): ResourceDefinition[] {
  return [
    review('LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
    review('SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
    review('SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
    review('SubjectAccessReview', 'subjectaccessreviews'),
  ];
}
