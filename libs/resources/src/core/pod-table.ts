/**
 * The pods table (printPod): READY, STATUS and RESTARTS computed as upstream does, including init
 * and sidecar containers, scheduling gates and terminating pods. The server prints wide columns.
 */
import { TableConvertor } from '../../../registry/src/resource';
import { KObject } from '../../../apimachinery/src/types';
import { Json, int, obj, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

function isRestartableInit(c: Json | undefined): boolean {
  return str(c?.restartPolicy) === 'Always';
}

function finishedAt(status: Json): number | undefined {
  const t = str(obj(obj(status.lastState)?.terminated)?.finishedAt);
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function hasCondition(conditions: Json[], type: string): boolean {
  return conditions.some((c) => str(c.type) === type && str(c.status) === 'True');
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

export function summarizePod(pod: KObject, now: Date): PodSummary {
  const spec = obj(pod.spec) ?? {};
  const status = obj(pod.status) ?? {};
  const conditions = objs(status.conditions);
  const initSpecs = new Map(objs(spec.initContainers).map((c) => [str(c.name), c]));
  let restarts = 0;
  let restartableRestarts = 0;
  let totalContainers = objs(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableRestart: number | undefined;

  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of conditions) {
    if (str(c.type) === 'PodScheduled' && str(c.reason) === 'SchedulingGated') reason = 'SchedulingGated';
  }
  for (const c of objs(spec.initContainers)) if (isRestartableInit(c)) totalContainers++;

  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const state = obj(cs.state) ?? {};
    const terminated = obj(state.terminated);
    const waiting = obj(state.waiting);
    restarts += int(cs.restartCount);
    lastRestart = later(lastRestart, finishedAt(cs));
    const restartable = isRestartableInit(initSpecs.get(str(cs.name)));
    if (restartable) {
      restartableRestarts += int(cs.restartCount);
      lastRestartableRestart = later(lastRestartableRestart, finishedAt(cs));
    }
    if (terminated && int(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (terminated) {
      const r = str(terminated.reason);
      if (!r) reason = int(terminated.signal) !== 0 ? `Init:Signal:${int(terminated.signal)}` : `Init:ExitCode:${int(terminated.exitCode)}`;
      else reason = `Init:${r}`;
      initializing = true;
    } else if (waiting && str(waiting.reason) && str(waiting.reason) !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${objs(spec.initContainers).length}`;
      initializing = true;
    }
    break;
  }

  if (!initializing || hasCondition(conditions, 'Initialized')) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      const state = obj(cs.state) ?? {};
      const terminated = obj(state.terminated);
      const waiting = obj(state.waiting);
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, finishedAt(cs));
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (terminated && str(terminated.reason)) reason = str(terminated.reason);
      else if (terminated) {
        reason = int(terminated.signal) !== 0 ? `Signal:${int(terminated.signal)}` : `ExitCode:${int(terminated.exitCode)}`;
      } else if (cs.ready === true && obj(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  const deleting = !!pod.metadata.deletionTimestamp;
  if (deleting && str(status.reason) === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && phase !== 'Failed' && phase !== 'Succeeded') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${translateTimestampSince(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

/** status.podIPs[0] (the conversion keeps podIP and podIPs[0] in sync). */
export function primaryPodIP(status: Json): string {
  return str(objs(status.podIPs)[0]?.ip) || str(status.podIP);
}

function readinessGates(spec: Json, status: Json): string {
  const gates = objs(spec.readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = objs(status.conditions);
  let trueCount = 0;
  for (const g of gates) {
    const c = conditions.find((x) => str(x.type) === str(g.conditionType));
    if (c && str(c.status) === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

export const podTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Ready containers out of all containers of the pod.'),
    column('Status', 'string', 'Summary of the state of the pod and its containers.'),
    column('Restarts', 'string', 'Container restarts, and how long ago the last one happened.'),
    ageColumn(),
    column('IP', 'string', 'Primary IP address of the pod.', 1),
    column('Node', 'string', 'Node the pod is bound to.', 1),
    column('Nominated Node', 'string', 'Node nominated by preemption for this pod.', 1),
    column('Readiness Gates', 'string', 'Readiness gates that are true out of all gates.', 1),
  ],
  cells(pod: KObject, now: Date): unknown[] {
    const spec = obj(pod.spec) ?? {};
    const status = obj(pod.status) ?? {};
    const s = summarizePod(pod, now);
    const podIP = primaryPodIP(status) || '<none>';
    return [
      pod.metadata.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      translateTimestampSince(pod.metadata.creationTimestamp, now),
      podIP,
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates(spec, status),
    ];
  },
};
