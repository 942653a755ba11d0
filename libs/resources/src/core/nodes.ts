/** core/v1 nodes: cluster-scoped, stored under /minions, status settable on create. */
import { FieldError, fieldErrors, OMIT_VALUE } from '../../../apimachinery/src/field-errors';
import { compareGoStrings } from '../../../apimachinery/src/selectors/go-text';
import { KObject } from '../../../apimachinery/src/types';
import { goQuote, isValidLabelValue, validateLabelName } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, obj, objs, str, strs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateTaintEffect } from './podspec/tolerations';

const NODE_INFO_FIELDS = [
  'architecture',
  'bootID',
  'containerRuntimeVersion',
  'kernelVersion',
  'kubeProxyVersion',
  'kubeletVersion',
  'machineID',
  'operatingSystem',
  'osImage',
  'systemUUID',
];

/** NodeSpec/NodeStatus structs and their non-omitempty fields always serialize upstream. */
function defaultNode(node: KObject): void {
  child(node, 'spec');
  const status = child(node, 'status');
  const kubelet = child(child(status, 'daemonEndpoints'), 'kubeletEndpoint');
  if (typeof kubelet.Port !== 'number') kubelet.Port = 0;
  const info = child(status, 'nodeInfo');
  for (const f of NODE_INFO_FIELDS) if (typeof info[f] !== 'string') info[f] = '';
  // SetDefaults_NodeStatus: allocatable defaults to capacity
  if (status.allocatable === undefined && obj(status.capacity)) status.allocatable = { ...obj(status.capacity) };
}

function validateTaints(taints: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  objs(taints).forEach((t, i) => {
    const p = `${path}[${i}]`;
    const key = str(t.key);
    const value = str(t.value);
    const effect = str(t.effect);
    errs.push(...validateLabelName(key, `${p}.key`));
    const msgs = isValidLabelValue(value);
    if (msgs.length) errs.push(fieldErrors.invalid(`${p}.value`, value, msgs.join(';')));
    errs.push(...validateTaintEffect(effect, false, `${p}.effect`));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(key)) {
      const rendered = `core.Taint{Key:${goQuote(key)}, Value:${goQuote(value)}, Effect:${goQuote(effect)}, TimeAdded:(*v1.Time)(nil)}`;
      errs.push({ type: 'FieldValueDuplicate', field: p, value: OMIT_VALUE, detail: `${rendered}: taints must be unique by key and effect pair` });
    }
    keys.add(key);
    seen.set(effect, keys);
  });
  return errs;
}

function validateNode(node: KObject): FieldError[] {
  // upstream reports taint errors under metadata.taints
  return validateTaints(obj(node.spec)?.taints, 'metadata.taints');
}

function validateNodeUpdate(node: KObject, old: KObject): FieldError[] {
  const errs = validateNode(node);
  const spec = obj(node.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const oldCIDRs = strs(oldSpec.podCIDRs);
  if (oldCIDRs.length > 0) {
    const cidrs = strs(spec.podCIDRs);
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (cidrs.length !== oldCIDRs.length) errs.push(fieldErrors.forbidden('spec.podCIDRs', msg));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(fieldErrors.forbidden('spec.podCIDRs', msg)));
  }
  const oldProvider = str(oldSpec.providerID);
  if (oldProvider && oldProvider !== str(spec.providerID)) {
    errs.push(fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(fieldErrors.forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';

function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  const list = [...roles].sort(compareGoStrings).join(',');
  return list || '<none>';
}

function nodeStatus(node: KObject): string {
  const conditions = objs(obj(node.status)?.conditions);
  const ready = conditions.filter((c) => str(c.type) === 'Ready').pop();
  const status: string[] = [];
  if (ready) status.push(str(ready.status) === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (obj(node.spec)?.unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

function address(status: Json, type: string): string {
  return str(objs(status.addresses).find((a) => str(a.type) === type)?.address) || '<none>';
}

export function nodesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Node',
    plural: 'nodes',
    singular: 'node',
    namespaced: false,
    shortNames: ['no'],
    storagePrefix: 'minions',
    subresources: { status: true },
    modelType: 'V1Node',
    strategy: {
      default: defaultNode,
      prepareForUpdate(node, old) {
        node.status = old.status;
      },
      validate: validateNode,
      validateUpdate: validateNodeUpdate,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(node, old) {
        node.spec = old.spec;
      },
      validateUpdate: (node, old) => validateNodeUpdate(node, old),
    },
    table: {
      columns: [
        nameColumn(),
        column('Status', 'string', 'Readiness of the node, and whether it is cordoned.'),
        column('Roles', 'string', 'Roles from the node-role.kubernetes.io labels.'),
        ageColumn(),
        column('Version', 'string', 'Kubelet version reported by the node.'),
        column('Internal-IP', 'string', 'First internal address of the node.', 1),
        column('External-IP', 'string', 'First external address of the node.', 1),
        column('OS-Image', 'string', 'Operating system image reported by the node.', 1),
        column('Kernel-Version', 'string', 'Kernel version reported by the node.', 1),
        column('Container-Runtime', 'string', 'Container runtime version reported by the node.', 1),
      ],
      cells(node, now) {
        const status = obj(node.status) ?? {};
        const info = obj(status.nodeInfo) ?? {};
        return [
          node.metadata.name ?? '',
          nodeStatus(node),
          nodeRoles(node),
          translateTimestampSince(node.metadata.creationTimestamp, now),
          str(info.kubeletVersion),
          address(status, 'InternalIP'),
          address(status, 'ExternalIP'),
          str(info.osImage) || '<unknown>',
          str(info.kernelVersion) || '<unknown>',
          str(info.containerRuntimeVersion) || '<unknown>',
        ];
      },
    },
    selectableFields: (node) => ({ 'spec.unschedulable': obj(node.spec)?.unschedulable === true ? 'true' : 'false' }),
  };
}
