/** Container env validation (ValidateEnv, validateEnvVarValueFrom). */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import { isConfigMapKey, isDNS1123Subdomain, isRelaxedEnvVarName } from '../../../../apimachinery/src/validation';
import { Json, obj, objs, str } from '../../common/json';

function validateKeySelector(s: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(s.name);
  for (const m of isDNS1123Subdomain(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, m));
  const key = str(s.key);
  if (!key) errs.push(fieldErrors.required(`${path}.key`, ''));
  else for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`${path}.key`, key, m));
  return errs;
}

function validateValueFrom(ev: Json, path: string): FieldError[] {
  const vf = obj(ev.valueFrom);
  if (!vf) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  const fieldRef = obj(vf.fieldRef);
  if (fieldRef) {
    sources++;
    if (!str(fieldRef.apiVersion)) errs.push(fieldErrors.required(`${path}.fieldRef.apiVersion`, ''));
    else if (!str(fieldRef.fieldPath)) errs.push(fieldErrors.required(`${path}.fieldRef.fieldPath`, ''));
  }
  const resourceFieldRef = obj(vf.resourceFieldRef);
  if (resourceFieldRef) {
    sources++;
    if (!str(resourceFieldRef.resource)) errs.push(fieldErrors.required(`${path}.resourceFieldRef.resource`, ''));
  }
  const cm = obj(vf.configMapKeyRef);
  if (cm) {
    sources++;
    errs.push(...validateKeySelector(cm, `${path}.configMapKeyRef`));
  }
  const secret = obj(vf.secretKeyRef);
  if (secret) {
    sources++;
    errs.push(...validateKeySelector(secret, `${path}.secretKeyRef`));
  }
  if (sources === 0) {
    errs.push(fieldErrors.invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (str(ev.value) !== '') {
    errs.push(fieldErrors.invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errs.push(fieldErrors.invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

export function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(env).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    const name = str(ev.name);
    if (!name) errs.push(fieldErrors.required(`${p}.name`, ''));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(fieldErrors.invalid(`${p}.name`, name, m));
    errs.push(...validateValueFrom(ev, `${p}.valueFrom`));
  });
  return errs;
}
