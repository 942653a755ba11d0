/** The HorizontalPodAutoscaler table (printHorizontalPodAutoscaler), computed on the v2 form. */
import { TableConvertor } from '../../../registry/src/resource';
import { Json, num, obj, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

function q(v: unknown): string {
  return v === undefined || v === null ? '0' : String(v);
}

/** formatHPAMetrics: at most two metrics, then "+ N more..." */
export function formatHPAMetrics(specs: Json[], statuses: Json[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const st = statuses[i];
    const unknown = '<unknown>';
    switch (str(spec.type)) {
      case 'External': {
        const target = obj(obj(spec.external)?.target) ?? {};
        const cur = obj(obj(st?.external)?.current);
        if (target.averageValue !== undefined) list.push(`${cur && cur.averageValue !== undefined ? q(cur.averageValue) : unknown}/${q(target.averageValue)} (avg)`);
        else list.push(`${cur ? q(cur.value) : unknown}/${q(target.value)}`);
        break;
      }
      case 'Pods': {
        const target = obj(obj(spec.pods)?.target) ?? {};
        const cur = obj(obj(st?.pods)?.current);
        list.push(`${cur ? q(cur.averageValue) : unknown}/${q(target.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = obj(obj(spec.object)?.target) ?? {};
        const cur = obj(obj(st?.object)?.current);
        if (target.averageValue !== undefined) list.push(`${cur ? q(cur.averageValue) : unknown}/${q(target.averageValue)} (avg)`);
        else list.push(`${cur ? q(cur.value) : unknown}/${q(target.value)}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = str(spec.type) === 'Resource' ? 'resource' : 'containerResource';
        const src = obj(spec[key]) ?? {};
        const target = obj(src.target) ?? {};
        const cur = obj(obj(st?.[key])?.current);
        const name = str(src.name);
        if (target.averageValue !== undefined) list.push(`${name}: ${cur ? q(cur.averageValue) : unknown}/${q(target.averageValue)}`);
        else {
          const c = num(cur?.averageUtilization);
          const t = num(target.averageUtilization);
          list.push(`${name}: ${c !== undefined ? `${c}%` : unknown}/${t !== undefined ? `${t}%` : '<auto>'}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

/** `toV2` turns the served object into the v2 form (identity for autoscaling/v2). */
export function hpaTable(toV2: (o: Json) => Json): TableConvertor {
  return {
    columns: [
      nameColumn(),
      column('Reference', 'string', 'The reference to the scale target.'),
      column('Targets', 'string', 'The current and target values of the metrics.'),
      column('MinPods', 'string', 'Lower limit for the number of pods.'),
      column('MaxPods', 'integer', 'Upper limit for the number of pods.'),
      column('Replicas', 'integer', 'Current number of replicas of pods managed by this autoscaler.'),
      ageColumn(),
    ],
    cells(served, now) {
      const hpa = toV2(served);
      const spec = obj(hpa.spec) ?? {};
      const status = obj(hpa.status) ?? {};
      const ref = obj(spec.scaleTargetRef) ?? {};
      const min = num(spec.minReplicas);
      return [
        served.metadata.name ?? '',
        `${str(ref.kind)}/${str(ref.name)}`,
        formatHPAMetrics(objs(spec.metrics), objs(status.currentMetrics)),
        min === undefined ? '<unset>' : String(min),
        num(spec.maxReplicas) ?? 0,
        num(status.currentReplicas) ?? 0,
        translateTimestampSince(served.metadata.creationTimestamp, now),
      ];
    },
  };
}
