/**
 * autoscaling/v1 ⇄ autoscaling/v2 HorizontalPodAutoscaler conversion, as upstream's
 * pkg/apis/autoscaling/v1/conversion.go does it through the internal (v2-shaped) type: what v1
 * cannot express travels in four round-trip annotations —
 *   autoscaling.alpha.kubernetes.io/metrics          spec.metrics other than CPU utilization (v1 MetricSpec JSON)
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (v1 MetricStatus JSON)
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior (the *internal* Go type, so Go field names)
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions (v1 condition JSON)
 * and is lifted back out (the annotations dropped) when a v1 object is converted to v2.
 */
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { isObject, Json, num, obj, objs, str } from '../common/json';
import { defaultHPAV2 } from './hpa-defaults';

export const METRIC_SPECS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const METRIC_STATUSES_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRIC_SPECS_ANNOTATION, BEHAVIOR_ANNOTATION, METRIC_STATUSES_ANNOTATION, CONDITIONS_ANNOTATION];

/** Build an object keeping only defined values (Go's omitempty for pointers), in the given key order. */
function compact(entries: [string, unknown][]): Json {
  const out: Json = {};
  for (const [k, v] of entries) if (v !== undefined) out[k] = v;
  return out;
}

/** a non-pointer resource.Quantity: always serialized, "0" when unset */
function qty(v: unknown): unknown {
  return v === undefined || v === null ? '0' : v;
}

function selector(v: unknown): Json | undefined {
  return obj(v);
}

function dropRoundTripAnnotations(meta: Json): void {
  const ann = obj(meta.annotations);
  if (!ann) return;
  for (const k of ROUND_TRIP) delete ann[k];
  if (Object.keys(ann).length === 0) delete meta.annotations;
}

function setAnnotation(meta: Json, key: string, value: string): void {
  const ann = obj(meta.annotations) ?? {};
  ann[key] = value;
  meta.annotations = ann;
}

function parseJson(s: unknown): unknown {
  if (typeof s !== 'string') return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** encoding/json matches object keys case-insensitively */
function field(o: Json, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function crossRef(ref: unknown): Json {
  const r = obj(ref) ?? {};
  return compact([
    ['kind', str(r.kind)],
    ['name', str(r.name)],
    ['apiVersion', str(r.apiVersion) || undefined],
  ]);
}

function isCPUUtilization(m: Json): boolean {
  const res = obj(m.resource);
  return str(m.type) === 'Resource' && !!res && str(res.name) === 'cpu' && num(obj(res.target)?.averageUtilization) !== undefined;
}

// ---- metric specs ------------------------------------------------------------------------------

function metricSpecToV1(m: Json): Json {
  const out: Json = { type: str(m.type) };
  const object = obj(m.object);
  if (object) {
    const target = obj(object.target) ?? {};
    const metric = obj(object.metric) ?? {};
    out.object = compact([
      ['target', crossRef(object.describedObject)],
      ['metricName', str(metric.name)],
      ['targetValue', qty(target.value)],
      ['selector', selector(metric.selector)],
      ['averageValue', target.averageValue],
    ]);
  }
  const pods = obj(m.pods);
  if (pods) {
    const metric = obj(pods.metric) ?? {};
    out.pods = compact([
      ['metricName', str(metric.name)],
      ['targetAverageValue', qty(obj(pods.target)?.averageValue)],
      ['selector', selector(metric.selector)],
    ]);
  }
  const resource = obj(m.resource);
  if (resource) {
    const target = obj(resource.target) ?? {};
    out.resource = compact([
      ['name', str(resource.name)],
      ['targetAverageUtilization', num(target.averageUtilization)],
      ['targetAverageValue', target.averageValue],
    ]);
  }
  const cr = obj(m.containerResource);
  if (cr) {
    const target = obj(cr.target) ?? {};
    out.containerResource = compact([
      ['name', str(cr.name)],
      ['targetAverageUtilization', num(target.averageUtilization)],
      ['targetAverageValue', target.averageValue],
      ['container', str(cr.container)],
    ]);
  }
  const external = obj(m.external);
  if (external) {
    const target = obj(external.target) ?? {};
    const metric = obj(external.metric) ?? {};
    out.external = compact([
      ['metricName', str(metric.name)],
      ['metricSelector', selector(metric.selector)],
      ['targetValue', target.value],
      ['targetAverageValue', target.averageValue],
    ]);
  }
  return out;
}

function metricIdentifier(name: unknown, sel: unknown): Json {
  return compact([
    ['name', str(name)],
    ['selector', selector(sel)],
  ]);
}

function metricSpecToV2(m: Json): Json {
  const out: Json = { type: str(m.type) };
  const object = obj(m.object);
  if (object) {
    out.object = {
      describedObject: crossRef(object.target),
      target: compact([
        ['type', object.averageValue === undefined || object.averageValue === null ? 'Value' : 'AverageValue'],
        ['value', qty(object.targetValue)],
        ['averageValue', object.averageValue ?? undefined],
      ]),
      metric: metricIdentifier(object.metricName, object.selector),
    };
  }
  const pods = obj(m.pods);
  if (pods) {
    out.pods = {
      metric: metricIdentifier(pods.metricName, pods.selector),
      target: { type: 'AverageValue', averageValue: qty(pods.targetAverageValue) },
    };
  }
  const resource = obj(m.resource);
  if (resource) {
    const util = num(resource.targetAverageUtilization);
    out.resource = {
      name: str(resource.name),
      target: compact([
        ['type', util === undefined ? 'AverageValue' : 'Utilization'],
        ['averageValue', resource.targetAverageValue ?? undefined],
        ['averageUtilization', util],
      ]),
    };
  }
  const cr = obj(m.containerResource);
  if (cr) {
    const util = num(cr.targetAverageUtilization);
    out.containerResource = {
      name: str(cr.name),
      target: compact([
        ['type', util === undefined ? 'AverageValue' : 'Utilization'],
        ['averageValue', cr.targetAverageValue ?? undefined],
        ['averageUtilization', util],
      ]),
      container: str(cr.container),
    };
  }
  const external = obj(m.external);
  if (external) {
    const value = external.targetValue ?? undefined;
    out.external = {
      metric: metricIdentifier(external.metricName, external.metricSelector),
      target: compact([
        ['type', value === undefined ? 'AverageValue' : 'Value'],
        ['value', value],
        ['averageValue', external.targetAverageValue ?? undefined],
      ]),
    };
  }
  return out;
}

// ---- metric statuses ---------------------------------------------------------------------------

function metricStatusToV1(m: Json): Json {
  const out: Json = { type: str(m.type) };
  const object = obj(m.object);
  if (object) {
    const cur = obj(object.current) ?? {};
    const metric = obj(object.metric) ?? {};
    out.object = compact([
      ['target', crossRef(object.describedObject)],
      ['metricName', str(metric.name)],
      ['currentValue', qty(cur.value)],
      ['selector', selector(metric.selector)],
      ['averageValue', cur.averageValue],
    ]);
  }
  const pods = obj(m.pods);
  if (pods) {
    const metric = obj(pods.metric) ?? {};
    out.pods = compact([
      ['metricName', str(metric.name)],
      ['currentAverageValue', qty(obj(pods.current)?.averageValue)],
      ['selector', selector(metric.selector)],
    ]);
  }
  const resource = obj(m.resource);
  if (resource) {
    const cur = obj(resource.current) ?? {};
    out.resource = compact([
      ['name', str(resource.name)],
      ['currentAverageUtilization', num(cur.averageUtilization)],
      ['currentAverageValue', qty(cur.averageValue)],
    ]);
  }
  const cr = obj(m.containerResource);
  if (cr) {
    const cur = obj(cr.current) ?? {};
    out.containerResource = compact([
      ['name', str(cr.name)],
      ['currentAverageUtilization', num(cur.averageUtilization)],
      ['currentAverageValue', qty(cur.averageValue)],
      ['container', str(cr.container)],
    ]);
  }
  const external = obj(m.external);
  if (external) {
    const cur = obj(external.current) ?? {};
    const metric = obj(external.metric) ?? {};
    out.external = compact([
      ['metricName', str(metric.name)],
      ['metricSelector', selector(metric.selector)],
      ['currentValue', qty(cur.value)],
      ['currentAverageValue', cur.averageValue],
    ]);
  }
  return out;
}

function metricStatusToV2(m: Json): Json {
  const out: Json = { type: str(m.type) };
  const object = obj(m.object);
  if (object) {
    out.object = {
      metric: metricIdentifier(object.metricName, object.selector),
      current: compact([
        ['value', qty(object.currentValue)],
        ['averageValue', object.averageValue ?? undefined],
      ]),
      describedObject: crossRef(object.target),
    };
  }
  const pods = obj(m.pods);
  if (pods) {
    out.pods = { metric: metricIdentifier(pods.metricName, pods.selector), current: { averageValue: qty(pods.currentAverageValue) } };
  }
  const resource = obj(m.resource);
  if (resource) {
    out.resource = {
      name: str(resource.name),
      current: compact([
        ['averageValue', qty(resource.currentAverageValue)],
        ['averageUtilization', num(resource.currentAverageUtilization)],
      ]),
    };
  }
  const cr = obj(m.containerResource);
  if (cr) {
    out.containerResource = {
      name: str(cr.name),
      current: compact([
        ['averageValue', qty(cr.currentAverageValue)],
        ['averageUtilization', num(cr.currentAverageUtilization)],
      ]),
      container: str(cr.container),
    };
  }
  const external = obj(m.external);
  if (external) {
    out.external = {
      metric: metricIdentifier(external.metricName, external.metricSelector),
      current: compact([
        ['value', qty(external.currentValue)],
        ['averageValue', external.currentAverageValue ?? undefined],
      ]),
    };
  }
  return out;
}

// ---- behavior (internal Go type, no json tags) -------------------------------------------------

function rulesToInternal(r: unknown): Json | null {
  const rules = obj(r);
  if (!rules) return null;
  const policies = Array.isArray(rules.policies)
    ? objs(rules.policies).map((p) => ({ Type: str(p.type), Value: num(p.value) ?? 0, PeriodSeconds: num(p.periodSeconds) ?? 0 }))
    : null;
  return {
    StabilizationWindowSeconds: num(rules.stabilizationWindowSeconds) ?? null,
    SelectPolicy: typeof rules.selectPolicy === 'string' ? rules.selectPolicy : null,
    Policies: policies,
  };
}

function rulesFromInternal(r: unknown): Json | undefined {
  const rules = obj(r);
  if (!rules) return undefined;
  const policies = field(rules, 'Policies');
  return compact([
    ['stabilizationWindowSeconds', num(field(rules, 'StabilizationWindowSeconds'))],
    ['selectPolicy', typeof field(rules, 'SelectPolicy') === 'string' ? field(rules, 'SelectPolicy') : undefined],
    [
      'policies',
      Array.isArray(policies)
        ? objs(policies).map((p) => ({ type: str(field(p, 'Type')), value: num(field(p, 'Value')) ?? 0, periodSeconds: num(field(p, 'PeriodSeconds')) ?? 0 }))
        : undefined,
    ],
  ]);
}

function conditionToV1(c: Json): Json {
  return compact([
    ['type', str(c.type)],
    ['status', str(c.status)],
    ['lastTransitionTime', c.lastTransitionTime ?? null],
    ['reason', str(c.reason) || undefined],
    ['message', str(c.message) || undefined],
  ]);
}

function conditionToV2(c: Json): Json {
  return compact([
    ['type', str(c.type)],
    ['status', str(c.status)],
    ['lastTransitionTime', c.lastTransitionTime ?? undefined],
    ['reason', str(c.reason) || undefined],
    ['message', str(c.message) || undefined],
  ]);
}

// ---- whole objects -----------------------------------------------------------------------------

/** An autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1. */
export function hpaV2ToV1(v2: KObject): KObject {
  const meta = deepCopy(v2.metadata ?? {}) as Json;
  dropRoundTripAnnotations(meta);
  const spec = obj(v2.spec) ?? {};
  const status = obj(v2.status);
  const metrics = objs(spec.metrics);
  const cpu = metrics.find(isCPUUtilization);
  const outSpec = compact([
    ['scaleTargetRef', crossRef(spec.scaleTargetRef)],
    ['minReplicas', num(spec.minReplicas)],
    ['maxReplicas', num(spec.maxReplicas) ?? 0],
    ['targetCPUUtilizationPercentage', cpu ? num(obj(obj(cpu.resource)?.target)?.averageUtilization) : undefined],
  ]);
  const others = metrics.filter((m) => !isCPUUtilization(m)).map(metricSpecToV1);
  if (others.length > 0) setAnnotation(meta, METRIC_SPECS_ANNOTATION, JSON.stringify(others));
  const current = objs(status?.currentMetrics);
  if (current.length > 0) setAnnotation(meta, METRIC_STATUSES_ANNOTATION, JSON.stringify(current.map(metricStatusToV1)));
  const behavior = obj(spec.behavior);
  if (behavior) {
    setAnnotation(meta, BEHAVIOR_ANNOTATION, JSON.stringify({ ScaleUp: rulesToInternal(behavior.scaleUp), ScaleDown: rulesToInternal(behavior.scaleDown) }));
  }
  const conditions = objs(status?.conditions);
  if (conditions.length > 0) setAnnotation(meta, CONDITIONS_ANNOTATION, JSON.stringify(conditions.map(conditionToV1)));

  const out: KObject = { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: meta, spec: outSpec };
  {
    const status = obj(v2.status) ?? {};
    let cpuCurrent: number | undefined;
    for (const m of current) {
      const res = obj(m.resource);
      if (str(m.type) === 'Resource' && res && str(res.name) === 'cpu') {
        const u = num(obj(res.current)?.averageUtilization);
        if (u !== undefined) cpuCurrent = u;
      }
    }
    out.status = compact([
      ['observedGeneration', num(status.observedGeneration)],
      ['lastScaleTime', status.lastScaleTime ?? undefined],
      ['currentReplicas', num(status.currentReplicas) ?? 0],
      ['desiredReplicas', num(status.desiredReplicas) ?? 0],
      ['currentCPUUtilizationPercentage', cpuCurrent],
    ]);
  }
  return out;
}

/** An autoscaling/v1 HorizontalPodAutoscaler as autoscaling/v2 (with v2 defaults applied). */
export function hpaV1ToV2(v1: KObject): KObject {
  const meta = deepCopy(v1.metadata ?? {}) as Json;
  const ann = obj(meta.annotations) ?? {};
  const spec = obj(v1.spec) ?? {};
  const status = obj(v1.status);
  const targetCPU = num(spec.targetCPUUtilizationPercentage);
  const cpuMetric = (u: number): Json => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });
  let metrics: Json[] = targetCPU !== undefined ? [cpuMetric(targetCPU)] : [];
  const others = parseJson(ann[METRIC_SPECS_ANNOTATION]);
  if (Array.isArray(others)) metrics = [...others.filter(isObject).map(metricSpecToV2), ...metrics];
  let behavior: Json | undefined;
  const b = obj(parseJson(ann[BEHAVIOR_ANNOTATION]));
  if (b) {
    const scaleUp = rulesFromInternal(field(b, 'ScaleUp'));
    const scaleDown = rulesFromInternal(field(b, 'ScaleDown'));
    if (scaleUp || scaleDown) behavior = compact([['scaleUp', scaleUp], ['scaleDown', scaleDown]]);
  }
  const outSpec = compact([
    ['scaleTargetRef', crossRef(spec.scaleTargetRef)],
    ['minReplicas', num(spec.minReplicas)],
    ['maxReplicas', num(spec.maxReplicas) ?? 0],
    ['metrics', metrics.length ? metrics : undefined],
    ['behavior', behavior],
  ]);
  const out: KObject = { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: meta, spec: outSpec };
  let currentMetrics: Json[] | undefined;
  const cm = parseJson(ann[METRIC_STATUSES_ANNOTATION]);
  if (Array.isArray(cm)) currentMetrics = cm.filter(isObject).map(metricStatusToV2);
  else if (status && num(status.currentCPUUtilizationPercentage) !== undefined) {
    currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: num(status.currentCPUUtilizationPercentage) } } }];
  }
  let conditions: Json[] | undefined;
  const cs = parseJson(ann[CONDITIONS_ANNOTATION]);
  if (Array.isArray(cs)) conditions = cs.filter(isObject).map(conditionToV2);
  // HorizontalPodAutoscalerStatus is a struct: always serialized, currentMetrics without omitempty
  const st = status ?? {};
  out.status = compact([
    ['observedGeneration', num(st.observedGeneration)],
    ['lastScaleTime', st.lastScaleTime ?? undefined],
    ['currentReplicas', num(st.currentReplicas) || undefined],
    ['desiredReplicas', num(st.desiredReplicas) ?? 0],
    ['currentMetrics', currentMetrics?.length ? currentMetrics : null],
    ['conditions', conditions?.length ? conditions : undefined],
  ]);
  dropRoundTripAnnotations(meta);
  defaultHPAV2(out);
  return out;
}

/** autoscaling/v1 served, autoscaling/v2 stored. */
export const hpaV1Conversion = {
  toStorage: (v1: KObject): KObject => hpaV1ToV2(v1),
  fromStorage: (v2: KObject): KObject => hpaV2ToV1(v2),
};
