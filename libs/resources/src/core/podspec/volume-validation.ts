/** Pod volumes and volume mounts (ValidateVolumes, ValidateVolumeMounts), the everyday rules. */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { isDNS1123Label } from '../../../../apimachinery/src/validation';
import { Json, objs, str } from '../../common/json';

/** Validates `spec.volumes`; returns the names of the valid volumes. */
export function validateVolumes(volumes: unknown, path: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  objs(volumes).forEach((v, i) => {
    const p = `${path}[${i}]`;
    const el: FieldError[] = [];
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
    if (sources.length === 0) el.push(fieldErrors.required(p, 'must specify a volume type'));
    else if (sources.length > 1) el.push(fieldErrors.forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type'));
    const name = str(v.name);
    if (!name) el.push(fieldErrors.required(`${p}.name`, ''));
    else for (const m of isDNS1123Label(name)) el.push(fieldErrors.invalid(`${p}.name`, name, m));
    if (names.has(name)) el.push(fieldErrors.duplicate(`${p}.name`, name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}

export function validateVolumeMounts(mounts: unknown, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  objs(mounts).forEach((m: Json, i) => {
    const p = `${path}[${i}]`;
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(fieldErrors.required(`${p}.name`, ''));
    if (!volumes.has(name)) errs.push(fieldErrors.notFound(`${p}.name`, name));
    if (!mountPath) errs.push(fieldErrors.required(`${p}.mountPath`, ''));
    if (mountPoints.has(mountPath)) errs.push(fieldErrors.invalid(`${p}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (str(m.subPath) && str(m.subPathExpr)) {
      errs.push(fieldErrors.invalid(`${p}.subPathExpr`, str(m.subPathExpr), 'subPathExpr and subPath are mutually exclusive'));
    }
  });
  return errs;
}
