/** core/v1 namespaces: cluster-scoped, Active on create, the "kubernetes" finalizer, the metadata.name label. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateFinalizerName } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str, strs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

export const LABEL_METADATA_NAME = 'kubernetes.io/metadata.name';
export const FINALIZER_KUBERNETES = 'kubernetes';
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

function setNameLabel(ns: KObject): void {
  const name = ns.metadata.name;
  if (!name) return;
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), [LABEL_METADATA_NAME]: name };
}

/** validateFinalizerName for namespace spec finalizers (qualified name, or one of the standard ones). */
function validateSpecFinalizer(name: string, path: string): FieldError[] {
  const errs = validateFinalizerName(name, path);
  if (!name.includes('/') && !STANDARD_FINALIZERS.includes(name)) {
    errs.push(fieldErrors.invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

function validateNamespace(ns: KObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of strs(obj(ns.spec)?.finalizers)) errs.push(...validateSpecFinalizer(f, 'spec.finalizers'));
  return errs;
}

function validateStatusUpdate(ns: KObject): FieldError[] {
  const phase = str(obj(ns.status)?.phase);
  if (!ns.metadata.deletionTimestamp) {
    if (phase !== 'Active') return [fieldErrors.invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty")];
  } else if (phase !== 'Terminating') {
    return [fieldErrors.invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
  }
  return [];
}

export function namespacesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    namespaced: false,
    shortNames: ['ns'],
    storagePrefix: 'namespaces',
    subresources: {
      status: true,
      others: {
        // PUT /api/v1/namespaces/{name}/finalize: only spec.finalizers changes (upstream finalizeStrategy)
        finalize: {
          prepareForUpdate(ns, old, desired) {
            const finalizers = obj(desired?.spec)?.finalizers;
            ns.spec = { ...(obj(old.spec) ?? {}) };
            if (finalizers === undefined || (Array.isArray(finalizers) && finalizers.length === 0)) delete (ns.spec as Record<string, unknown>).finalizers;
            else (ns.spec as Record<string, unknown>).finalizers = finalizers;
            ns.status = old.status;
          },
          validateUpdate: validateNamespace,
          discovery: { kind: 'Namespace', verbs: ['update'] },
        },
      },
    },
    // DELETE while spec.finalizers is not empty: deletionTimestamp and phase Terminating; the
    // namespace controller empties it, removes the finalizer (finalize) and deletes it again
    pendingDeletion: {
      blocks: (ns) => strs(obj(ns.spec)?.finalizers).length > 0,
      mark(ns) {
        ns.status = { ...(obj(ns.status) ?? {}), phase: 'Terminating' };
      },
    },
    nameValidation: 'dns1123Label',
    modelType: 'V1Namespace',
    returnDeletedObject: true,
    strategy: {
      default(ns) {
        setNameLabel(ns);
        const status = child(ns, 'status');
        if (!str(status.phase)) status.phase = 'Active';
        child(ns, 'spec');
      },
      prepareForCreate(ns) {
        ns.status = { phase: 'Active' };
        const spec = child(ns, 'spec');
        const finalizers = strs(spec.finalizers);
        if (!finalizers.includes(FINALIZER_KUBERNETES)) spec.finalizers = [...finalizers, FINALIZER_KUBERNETES];
      },
      prepareForUpdate(ns, old) {
        const spec = child(ns, 'spec');
        const oldFinalizers = obj(old.spec)?.finalizers;
        if (oldFinalizers === undefined) delete spec.finalizers;
        else spec.finalizers = oldFinalizers;
        ns.status = old.status;
      },
      validate: validateNamespace,
      validateUpdate: () => [],
      canonicalize: setNameLabel,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(ns, old) {
        ns.spec = old.spec;
      },
      validateUpdate: validateStatusUpdate,
    },
    table: {
      columns: [nameColumn(), column('Status', 'string', 'The phase of the namespace.'), ageColumn()],
      cells: (ns, now) => [ns.metadata.name ?? '', str(obj(ns.status)?.phase), translateTimestampSince(ns.metadata.creationTimestamp, now)],
    },
    selectableFields: (ns) => ({ 'status.phase': str(obj(ns.status)?.phase) }),
  };
}
