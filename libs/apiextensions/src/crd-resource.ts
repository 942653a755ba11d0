/** apiextensions.k8s.io/v1 CustomResourceDefinition: the built-in resource that defines the others. */
import { KObject } from '../../apimachinery/src/types';
import { ResourceDefinition } from '../../registry/src/resource';
import { storageVersionOf, validateCRD, validateCRDUpdate } from './crd-validation';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The finalizer that makes a CRD's deletion wait until its custom resources are gone. */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** SetDefaults_CustomResourceDefinition (v1). */
export function defaultCRD(crd: KObject): void {
  const spec = (crd.spec ??= {}) as Obj;
  const names = (spec.names ??= {}) as Obj;
  if (typeof names.kind === 'string') {
    if (!names.singular) names.singular = names.kind.toLowerCase();
    if (!names.listKind) names.listKind = `${names.kind}List`;
  }
  const conversion = (spec.conversion ??= {}) as Obj;
  if (!conversion.strategy) conversion.strategy = 'None';
  if (conversion.strategy === 'Webhook' && isObj(conversion.webhook)) {
    const wh = conversion.webhook as Obj;
    const cc = wh.clientConfig as Obj | undefined;
    if (isObj(cc?.service) && (cc!.service as Obj).port === undefined) (cc!.service as Obj).port = 443;
  }
  for (const v of Array.isArray(spec.versions) ? (spec.versions as Obj[]) : []) {
    for (const c of Array.isArray(v.additionalPrinterColumns) ? (v.additionalPrinterColumns as Obj[]) : []) {
      if (c.priority === undefined) delete c.priority;
    }
  }
}

export function crdDefinition(): ResourceDefinition {
  return {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    storagePrefix: 'apiextensions.k8s.io/customresourcedefinitions',
    modelType: 'V1CustomResourceDefinition',
    tracksGeneration: true,
    subresources: { status: true },
    strategy: {
      default: defaultCRD,
      prepareForCreate: (crd) => {
        const sv = storageVersionOf(crd);
        crd.status = { storedVersions: sv ? [sv] : [] };
        const fin = (crd.metadata.finalizers ??= []);
        if (!fin.includes(CLEANUP_FINALIZER)) fin.push(CLEANUP_FINALIZER);
      },
      prepareForUpdate: (crd, old) => {
        const status = structuredClone((old.status ?? {}) as Obj);
        const stored = Array.isArray(status.storedVersions) ? (status.storedVersions as string[]) : [];
        const sv = storageVersionOf(crd);
        if (sv && !stored.includes(sv)) stored.push(sv);
        status.storedVersions = stored;
        crd.status = status;
      },
      validate: validateCRD,
      validateUpdate: validateCRDUpdate,
    },
    statusStrategy: {
      prepareForUpdate: (crd, old) => {
        crd.spec = structuredClone(old.spec);
      },
    },
    table: {
      columns: [
        { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
        { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
      ],
      cells: (crd) => [crd.metadata.name, crd.metadata.creationTimestamp],
    },
  };
}
