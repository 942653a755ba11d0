/**
 * Pod spec defaulting (core/v1 SetDefaults_PodSpec, SetDefaults_Container, probe, handler,
 * volume and downward-API defaults) shared by pods and every pod template, plus SetDefaults_Pod.
 */
import { errors } from '../../../../apimachinery/src/status';
import { child, isObject, Json, num, obj, objs, str } from '../../common/json';
import { isValidQuantity, QUANTITY_FORMAT_MESSAGE } from '../../common/quantity';
import { defaultPullPolicy } from './image';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';
const DEFAULT_MODE = 420; // 0644

function setIfMissing(o: Json, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

function defaultHandler(h: Json | undefined): void {
  if (!h) return;
  const http = obj(h.httpGet);
  if (http) {
    setIfMissing(http, 'path', '/');
    setIfMissing(http, 'scheme', 'HTTP');
  }
  const grpc = obj(h.grpc);
  if (grpc && (grpc.service === undefined || grpc.service === null)) grpc.service = '';
}

function defaultProbe(p: Json | undefined): void {
  if (!p) return;
  if (!num(p.timeoutSeconds)) p.timeoutSeconds = 1;
  if (!num(p.periodSeconds)) p.periodSeconds = 10;
  if (!num(p.successThreshold)) p.successThreshold = 1;
  if (!num(p.failureThreshold)) p.failureThreshold = 3;
  defaultHandler(p);
}

function defaultFieldRef(ref: Json | undefined): void {
  if (ref) setIfMissing(ref, 'apiVersion', 'v1');
}

/** SetDefaults_Container (+ the defaults of everything nested in a container). */
export function defaultContainer(c: Json): void {
  if (!str(c.imagePullPolicy)) c.imagePullPolicy = defaultPullPolicy(str(c.image));
  setIfMissing(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH_DEFAULT);
  setIfMissing(c, 'terminationMessagePolicy', 'File');
  for (const p of objs(c.ports)) setIfMissing(p, 'protocol', 'TCP');
  defaultProbe(obj(c.livenessProbe));
  defaultProbe(obj(c.readinessProbe));
  defaultProbe(obj(c.startupProbe));
  const lifecycle = obj(c.lifecycle);
  if (lifecycle) {
    defaultHandler(obj(lifecycle.postStart));
    defaultHandler(obj(lifecycle.preStop));
  }
  for (const e of objs(c.env)) defaultFieldRef(obj(obj(e.valueFrom)?.fieldRef));
  // a non-pointer struct: always serialized
  if (!isObject(c.resources)) c.resources = {};
}

function defaultDownwardItems(items: unknown): void {
  for (const item of objs(items)) defaultFieldRef(obj(item.fieldRef));
}

/** SetDefaults_Volume and the defaults of the volume sources. */
export function defaultVolume(v: Json): void {
  const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
  if (sources.length === 0) v.emptyDir = {};
  const secret = obj(v.secret);
  if (secret && num(secret.defaultMode) === undefined) secret.defaultMode = DEFAULT_MODE;
  const configMap = obj(v.configMap);
  if (configMap && num(configMap.defaultMode) === undefined) configMap.defaultMode = DEFAULT_MODE;
  const downwardAPI = obj(v.downwardAPI);
  if (downwardAPI) {
    if (num(downwardAPI.defaultMode) === undefined) downwardAPI.defaultMode = DEFAULT_MODE;
    defaultDownwardItems(downwardAPI.items);
  }
  const projected = obj(v.projected);
  if (projected) {
    if (num(projected.defaultMode) === undefined) projected.defaultMode = DEFAULT_MODE;
    for (const s of objs(projected.sources)) {
      const token = obj(s.serviceAccountToken);
      if (token && num(token.expirationSeconds) === undefined) token.expirationSeconds = 3600;
      defaultDownwardItems(obj(s.downwardAPI)?.items);
    }
  }
  const hostPath = obj(v.hostPath);
  if (hostPath && (hostPath.type === undefined || hostPath.type === null)) hostPath.type = '';
  const claimSpec = obj(obj(obj(v.ephemeral)?.volumeClaimTemplate)?.spec);
  if (claimSpec) setIfMissing(claimSpec, 'volumeMode', 'Filesystem');
}

/** SetDefaults_PodSpec: defaults every pod spec gets, including those in templates. */
export function defaultPodSpec(spec: Json): void {
  setIfMissing(spec, 'dnsPolicy', 'ClusterFirst');
  setIfMissing(spec, 'restartPolicy', 'Always');
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  if (num(spec.terminationGracePeriodSeconds) === undefined) spec.terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  setIfMissing(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers), ...objs(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of objs(spec.volumes)) defaultVolume(v);
}

/** SetDefaults_Pod: pod-only defaults (requests from limits, service links, host-network ports). */
export function defaultPodOnly(spec: Json): void {
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources);
    const limits = obj(res?.limits);
    if (!res || !limits) continue;
    const requests = child(res, 'requests');
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
  }
  if (typeof spec.enableServiceLinks !== 'boolean') spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
      for (const p of objs(c.ports)) if (!num(p.hostPort)) p.hostPort = p.containerPort;
    }
  }
}

/** Template metadata is a struct upstream: it always serializes, with "creationTimestamp: null". */
export function defaultTemplateMeta(template: Json): void {
  const meta = child(template, 'metadata');
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
}

/** SetDefaults for a PodTemplateSpec (deployments, replica sets, ...). */
export function defaultPodTemplateSpec(template: Json): void {
  defaultTemplateMeta(template);
  defaultPodSpec(child(template, 'spec'));
}

/**
 * Resource quantities that do not parse make the whole body undecodable upstream (400):
 * "<Kind> in version "<v>" cannot be handled as a <Kind>: quantities must match ...".
 */
export function checkQuantities(spec: Json, kind: string, version: string): void {
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers), ...objs(spec.ephemeralContainers)]) {
    const res = obj(c.resources);
    for (const list of [obj(res?.limits), obj(res?.requests)]) {
      for (const q of Object.values(list ?? {})) {
        if (!isValidQuantity(q)) {
          throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${QUANTITY_FORMAT_MESSAGE}`);
        }
      }
    }
  }
}
