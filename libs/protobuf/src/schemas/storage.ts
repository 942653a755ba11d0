/**
 * storage.k8s.io/v1 StorageClass, CSIDriver, CSINode and VolumeAttachment (written by kubelets
 * and CSI sidecars through typed clients), and node.k8s.io/v1 RuntimeClass. A VolumeAttachment's
 * inlineVolumeSpec (a PersistentVolumeSpec) is not described: it is skipped when decoding.
 */
import type { SchemaSet } from '../schema';

export const storageKinds: Record<string, string> = {
  'storage.k8s.io/v1/StorageClass': 'StorageClass',
  'storage.k8s.io/v1/CSIDriver': 'CSIDriver',
  'storage.k8s.io/v1/CSINode': 'CSINode',
  'storage.k8s.io/v1/VolumeAttachment': 'VolumeAttachment',
  'node.k8s.io/v1/RuntimeClass': 'RuntimeClass',
};

export const storageSchemas: SchemaSet = {
  StorageClass: {
    1: 'metadata:ObjectMeta',
    2: 'provisioner:string',
    3: 'parameters:map<string,string>',
    4: 'reclaimPolicy:string?',
    5: 'mountOptions:string[]',
    6: 'allowVolumeExpansion:bool?',
    7: 'volumeBindingMode:string?',
    8: 'allowedTopologies:TopologySelectorTerm[]',
  },
  TopologySelectorTerm: { 1: 'matchLabelExpressions:TopologySelectorLabelRequirement[]' },
  TopologySelectorLabelRequirement: { 1: 'key:string', 2: 'values:string[]' },
  CSIDriver: { 1: 'metadata:ObjectMeta', 2: 'spec:CSIDriverSpec' },
  CSIDriverSpec: {
    1: 'attachRequired:bool?',
    2: 'podInfoOnMount:bool?',
    3: 'volumeLifecycleModes:string[]',
    4: 'storageCapacity:bool?',
    5: 'fsGroupPolicy:string?',
    6: 'tokenRequests:StorageTokenRequest[]',
    7: 'requiresRepublish:bool?',
    8: 'seLinuxMount:bool?',
  },
  StorageTokenRequest: { 1: 'audience:string', 2: 'expirationSeconds:int64?' },
  CSINode: { 1: 'metadata:ObjectMeta', 2: 'spec:CSINodeSpec' },
  CSINodeSpec: { 1: 'drivers:CSINodeDriver[]' },
  CSINodeDriver: { 1: 'name:string', 2: 'nodeID:string', 3: 'topologyKeys:string[]', 4: 'allocatable:VolumeNodeResources?' },
  VolumeNodeResources: { 1: 'count:int32?' },
  VolumeAttachment: { 1: 'metadata:ObjectMeta', 2: 'spec:VolumeAttachmentSpec', 3: 'status:VolumeAttachmentStatus' },
  VolumeAttachmentSpec: { 1: 'attacher:string', 2: 'source:VolumeAttachmentSource', 3: 'nodeName:string' },
  VolumeAttachmentSource: { 1: 'persistentVolumeName:string?' },
  VolumeAttachmentStatus: {
    1: 'attached:bool',
    2: 'attachmentMetadata:map<string,string>',
    3: 'attachError:StorageVolumeError?',
    4: 'detachError:StorageVolumeError?',
  },
  StorageVolumeError: { 1: 'time:Time', 2: 'message:string' },
  RuntimeClass: { 1: 'metadata:ObjectMeta', 2: 'handler:string', 3: 'overhead:RuntimeClassOverhead?', 4: 'scheduling:RuntimeClassScheduling?' },
  RuntimeClassOverhead: { 1: 'podFixed:map<string,Quantity>' },
  RuntimeClassScheduling: { 1: 'nodeSelector:map<string,string>', 2: 'tolerations:Toleration[]' },
};
