/**
 * core/v1 serviceaccounts: secret references are reduced to their names on create. The token
 * subresource (TokenRequest) is served by apps/apiserver/src/authn/token-request.ts.
 */
import { ResourceDefinition } from '../../../registry/src/resource';
import { arr, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

export function serviceAccountsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    namespaced: true,
    shortNames: ['sa'],
    storagePrefix: 'serviceaccounts',
    modelType: 'V1ServiceAccount',
    returnDeletedObject: true,
    virtualSubresources: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }],
    strategy: {
      prepareForCreate(sa) {
        if (Array.isArray(sa.secrets)) sa.secrets = objs(sa.secrets).map((s) => ({ name: str(s.name) }));
      },
      prepareForUpdate(sa) {
        if (Array.isArray(sa.secrets)) sa.secrets = objs(sa.secrets).map((s) => ({ name: str(s.name) }));
      },
      validate: () => [],
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [nameColumn(), column('Secrets', 'string', 'Number of secrets referenced by the service account.'), ageColumn()],
      cells: (sa, now) => [sa.metadata.name ?? '', arr(sa.secrets).length, translateTimestampSince(sa.metadata.creationTimestamp, now)],
    },
  };
}
