/** core/v1 limit ranges: SetDefaults_LimitRangeItem and the min/max/default ordering rules. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { errors } from '../../../apimachinery/src/status';
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, obj, objs, str } from '../common/json';
import { compareQuantities, isValidQuantity, QUANTITY_FORMAT_MESSAGE } from '../common/quantity';
import { column, nameColumn } from '../printing/columns';

const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'];

/** quantities that do not parse fail decoding upstream (400) */
function checkLimitQuantities(lr: KObject): void {
  for (const item of objs(obj(lr.spec)?.limits)) {
    for (const l of LISTS) {
      for (const q of Object.values(obj(item[l]) ?? {})) {
        if (!isValidQuantity(q)) throw errors.badRequest(`LimitRange in version "v1" cannot be handled as a LimitRange: ${QUANTITY_FORMAT_MESSAGE}`);
      }
    }
  }
}

function defaultLimitRange(lr: KObject): void {
  checkLimitQuantities(lr);
  const spec = child(lr, 'spec');
  for (const item of objs(spec.limits)) {
    if (str(item.type) !== 'Container') continue;
    const def: Json = { ...(obj(item.default) ?? {}) };
    const defReq: Json = { ...(obj(item.defaultRequest) ?? {}) };
    for (const [k, v] of Object.entries(obj(item.max) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(obj(item.min) ?? {})) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(defReq).length) item.defaultRequest = defReq;
  }
}

function validateLimitRange(lr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  objs(obj(lr.spec)?.limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    const [max, min, def, defReq] = ['max', 'min', 'default', 'defaultRequest'].map((l) => obj(item[l]) ?? {});
    const keys = new Set([...Object.keys(max), ...Object.keys(min), ...Object.keys(def), ...Object.keys(defReq)]);
    if (str(item.type) === 'Pod') {
      if (Object.keys(def).length) errs.push(fieldErrors.forbidden(`${p}.default`, 'may not be specified when `type` is \'Pod\''));
      if (Object.keys(defReq).length) errs.push(fieldErrors.forbidden(`${p}.defaultRequest`, 'may not be specified when `type` is \'Pod\''));
    }
    for (const k of [...keys].sort()) {
      const has = (m: Json): boolean => k in m;
      const s = (m: Json): string => String(m[k]);
      if (has(min) && has(max) && compareQuantities(min[k], max[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.min[${k}]`, s(min), `min value ${s(min)} is greater than max value ${s(max)}`));
      }
      if (has(defReq) && has(min) && compareQuantities(min[k], defReq[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.defaultRequest[${k}]`, s(defReq), `min value ${s(min)} is greater than default request value ${s(defReq)}`));
      }
      if (has(defReq) && has(max) && compareQuantities(defReq[k], max[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.defaultRequest[${k}]`, s(defReq), `default request value ${s(defReq)} is greater than max value ${s(max)}`));
      }
      if (has(defReq) && has(def) && compareQuantities(defReq[k], def[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.defaultRequest[${k}]`, s(defReq), `default request value ${s(defReq)} is greater than default limit value ${s(def)}`));
      }
      if (has(def) && has(min) && compareQuantities(min[k], def[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.default[${k}]`, s(min), `min value ${s(min)} is greater than default value ${s(def)}`));
      }
      if (has(def) && has(max) && compareQuantities(def[k], max[k]) > 0) {
        errs.push(fieldErrors.invalid(`${p}.default[${k}]`, s(max), `default value ${s(def)} is greater than max value ${s(max)}`));
      }
    }
  });
  return errs;
}

export function limitRangesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'LimitRange',
    plural: 'limitranges',
    singular: 'limitrange',
    namespaced: true,
    shortNames: ['limits'],
    storagePrefix: 'limitranges',
    modelType: 'V1LimitRange',
    strategy: {
      default: defaultLimitRange,
      validate: validateLimitRange,
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [nameColumn(), column('Created At', 'date', 'Time the limit range was created.')],
      cells: (lr) => [lr.metadata.name ?? '', typeof lr.metadata.creationTimestamp === 'string' ? lr.metadata.creationTimestamp : ''],
    },
  };
}
