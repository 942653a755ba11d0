/**
 * Patch metadata of the built-in API types: which list fields carry the Go struct tags
 * `patchStrategy` / `patchMergeKey` (served in OpenAPI as x-kubernetes-patch-strategy /
 * x-kubernetes-patch-merge-key and used by strategic merge patch), plus the
 * x-kubernetes-list-type / x-kubernetes-list-map-keys markers where known.
 *
 * Keyed by the model type names of @kubernetes/client-node (the OpenAPI definition names without
 * their package), e.g. 'V1PodSpec', 'V1Container', 'V1ObjectMeta'. Facts from the v1.32 API types.
 */
import { elementType, getFieldType, mapValueType } from './model-types';

export { elementType, getFieldType, mapValueType } from './model-types';

export interface FieldPatchMeta {
  /** 'merge', 'retainKeys', 'merge,retainKeys' or 'replace' */
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

type TypeMeta = Record<string, FieldPatchMeta>;

const mergeBy = (patchMergeKey: string, extra: Omit<FieldPatchMeta, 'patchStrategy' | 'patchMergeKey'> = {}): FieldPatchMeta => ({
  patchStrategy: 'merge',
  patchMergeKey,
  ...extra,
});

const mergeRetainBy = (patchMergeKey: string, extra: Omit<FieldPatchMeta, 'patchStrategy' | 'patchMergeKey'> = {}): FieldPatchMeta => ({
  patchStrategy: 'merge,retainKeys',
  patchMergeKey,
  ...extra,
});

const mapList = (...keys: string[]): Pick<FieldPatchMeta, 'listType' | 'listMapKeys'> => ({ listType: 'map', listMapKeys: keys });

/** `conditions` merged by type (the usual status conditions list) */
const conditionsByType: TypeMeta = { conditions: mergeBy('type') };
/** `conditions` of metav1.Condition, also declared a map list keyed by type */
const conditionsMapByType: TypeMeta = { conditions: mergeBy('type', mapList('type')) };
/** a `conditions` map list without a patch strategy */
const conditionsListMapOnly: TypeMeta = { conditions: mapList('type') };

const containerFields: TypeMeta = {
  ports: mergeBy('containerPort', mapList('containerPort', 'protocol')),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
  resizePolicy: { listType: 'atomic' },
};

const webhookConfiguration: TypeMeta = { webhooks: mergeBy('name') };

const TABLE: Record<string, TypeMeta> = {
  // meta/v1
  V1ObjectMeta: {
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    ownerReferences: mergeBy('uid', mapList('uid')),
  },

  // core/v1
  V1PodSpec: {
    containers: mergeBy('name'),
    initContainers: mergeBy('name'),
    ephemeralContainers: mergeBy('name'),
    volumes: mergeRetainBy('name'),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    topologySpreadConstraints: mergeBy('topologyKey', mapList('topologyKey', 'whenUnsatisfiable')),
    resourceClaims: mergeRetainBy('name', mapList('name')),
    schedulingGates: mergeBy('name', mapList('name')),
  },
  V1Container: containerFields,
  V1EphemeralContainer: containerFields,
  V1PodStatus: {
    conditions: mergeBy('type'),
    podIPs: mergeBy('ip'),
    hostIPs: mergeBy('ip', { listType: 'atomic' }),
    resourceClaimStatuses: mergeRetainBy('name', mapList('name')),
  },
  V1ContainerStatus: {
    volumeMounts: mergeBy('mountPath', mapList('mountPath')),
    allocatedResourcesStatus: mergeBy('name', mapList('name')),
  },
  V1NodeSpec: { podCIDRs: { patchStrategy: 'merge', listType: 'set' } },
  V1NodeStatus: { conditions: mergeBy('type'), addresses: mergeBy('type') },
  V1NamespaceStatus: conditionsByType,
  V1PersistentVolumeClaimStatus: conditionsByType,
  V1ReplicationControllerStatus: conditionsByType,
  V1ComponentStatus: conditionsByType,
  V1ServiceAccount: { secrets: mergeBy('name') },
  V1ServiceSpec: {
    ports: mergeBy('port', mapList('port', 'protocol')),
    clusterIPs: { listType: 'atomic' },
    ipFamilies: { listType: 'atomic' },
  },
  V1ServiceStatus: conditionsMapByType,

  // apps/v1
  V1DeploymentSpec: { strategy: { patchStrategy: 'retainKeys' } },
  V1DeploymentStatus: conditionsByType,
  V1DaemonSetStatus: conditionsByType,
  V1ReplicaSetStatus: conditionsByType,
  V1StatefulSetStatus: conditionsByType,

  // batch/v1
  V1JobStatus: { conditions: mergeBy('type', { listType: 'atomic' }) },

  // autoscaling/v2
  V2HorizontalPodAutoscalerStatus: conditionsMapByType,

  // policy/v1
  V1PodDisruptionBudgetStatus: conditionsMapByType,

  // networking.k8s.io
  V1beta1ServiceCIDRStatus: conditionsMapByType,

  // flowcontrol.apiserver.k8s.io
  V1FlowSchemaStatus: conditionsMapByType,
  V1PriorityLevelConfigurationStatus: conditionsMapByType,

  // apiregistration.k8s.io
  V1APIServiceStatus: conditionsMapByType,

  // storage.k8s.io
  V1CSINodeSpec: { drivers: mergeBy('name') },

  // storagemigration.k8s.io
  V1alpha1StorageVersionMigrationStatus: conditionsMapByType,

  // admissionregistration.k8s.io
  V1MutatingWebhookConfiguration: webhookConfiguration,
  V1ValidatingWebhookConfiguration: webhookConfiguration,
  V1ValidatingAdmissionPolicyStatus: conditionsListMapOnly,
  V1beta1ValidatingAdmissionPolicyStatus: conditionsListMapOnly,

  // resource.k8s.io
  V1beta1ResourceClaimStatus: { reservedFor: mergeBy('uid', mapList('uid')) },
  V1alpha3ResourceClaimStatus: { reservedFor: mergeBy('uid', mapList('uid')) },

  // certificates.k8s.io, apiextensions.k8s.io
  V1CertificateSigningRequestStatus: conditionsListMapOnly,
  V1CustomResourceDefinitionStatus: conditionsListMapOnly,
};

/**
 * The patch metadata of `jsonField` in `typeName`, e.g.
 * getPatchMeta('V1PodSpec', 'containers') → { patchStrategy: 'merge', patchMergeKey: 'name' }.
 * Undefined when the field has none.
 */
export function getPatchMeta(typeName: string, jsonField: string): FieldPatchMeta | undefined {
  const meta = TABLE[typeName];
  if (!meta || !Object.prototype.hasOwnProperty.call(meta, jsonField)) return undefined;
  const m = meta[jsonField];
  return { ...m, ...(m.listMapKeys ? { listMapKeys: [...m.listMapKeys] } : {}) };
}

/** Every (type, field) pair the table knows, for tests and the OpenAPI builder. */
export function patchMetaEntries(): Array<{ typeName: string; jsonField: string; meta: FieldPatchMeta }> {
  return Object.entries(TABLE).flatMap(([typeName, fields]) =>
    Object.entries(fields).map(([jsonField, meta]) => ({ typeName, jsonField, meta: { ...meta } })),
  );
}

/** The element type of an array field or the value type of a map field (for walking types). */
export function itemType(type: string): string | undefined {
  return elementType(type) ?? mapValueType(type);
}

/** getFieldType for a whole path: fieldTypeAtPath('V1Pod', ['spec', 'containers']) → 'Array<V1Container>'. */
export function fieldTypeAtPath(typeName: string, path: string[]): string | undefined {
  let t: string | undefined = typeName;
  for (const field of path) {
    if (t === undefined) return undefined;
    const elem = elementType(t);
    if (elem !== undefined) t = elem;
    t = getFieldType(t, field);
  }
  return t;
}
