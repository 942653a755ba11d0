/**
 * The networking, scheduling, node, storage, certificates and admissionregistration resources
 * (registered together by builtinResources).
 */
import { ResourceDefinition } from '../../registry/src/resource';
import { mutatingWebhookConfigurationsDefinition, validatingWebhookConfigurationsDefinition } from './admissionregistration/webhookconfigurations';
import { validatingAdmissionPoliciesDefinition, validatingAdmissionPolicyBindingsDefinition } from './admissionregistration/validatingadmissionpolicies';
import { certificateSigningRequestsDefinition } from './certificates/certificatesigningrequests';
import { ingressClassesDefinition } from './networking/ingressclasses';
import { ingressesDefinition } from './networking/ingresses';
import { networkPoliciesDefinition } from './networking/networkpolicies';
import { runtimeClassesDefinition } from './node/runtimeclasses';
import { priorityClassesDefinition } from './scheduling/priorityclasses';
import { csiDriversDefinition } from './storage/csidrivers';
import { csiNodesDefinition } from './storage/csinodes';
import { storageClassesDefinition } from './storage/storageclasses';
import { volumeAttachmentsDefinition } from './storage/volumeattachments';

export function clusterResources(): ResourceDefinition[] {
  return [
    ingressesDefinition(),
    ingressClassesDefinition(),
    networkPoliciesDefinition(),
    priorityClassesDefinition(),
    runtimeClassesDefinition(),
    storageClassesDefinition(),
    csiDriversDefinition(),
    csiNodesDefinition(),
    volumeAttachmentsDefinition(),
    certificateSigningRequestsDefinition(),
    validatingWebhookConfigurationsDefinition(),
    mutatingWebhookConfigurationsDefinition(),
    validatingAdmissionPoliciesDefinition(),
    validatingAdmissionPolicyBindingsDefinition(),
  ];
}

export {
  certificateSigningRequestsDefinition,
  csiDriversDefinition,
  csiNodesDefinition,
  ingressClassesDefinition,
  ingressesDefinition,
  mutatingWebhookConfigurationsDefinition,
  networkPoliciesDefinition,
  priorityClassesDefinition,
  runtimeClassesDefinition,
  storageClassesDefinition,
  validatingAdmissionPoliciesDefinition,
  validatingAdmissionPolicyBindingsDefinition,
  validatingWebhookConfigurationsDefinition,
  volumeAttachmentsDefinition,
};
export { SYSTEM_PRIORITY_CLASSES, systemPriorityClassObject } from './scheduling/priorityclasses';
