/** core/v1 configmaps: key validation, the 1 MiB limit, immutability. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isConfigMapKey, semanticEqual } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { decodedLength } from '../common/base64';
import { obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

export const MAX_SECRET_SIZE = 1024 * 1024;
export const IMMUTABLE_MESSAGE = 'field is immutable when `immutable` is set';

function validateConfigMap(cm: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm.data) ?? {};
  const binary = obj(cm.binaryData) ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, m));
    if (key in binary) errs.push(fieldErrors.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(value), 'utf8');
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`binaryData[${key}]`, key, m));
    total += decodedLength(str(value));
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

function validateConfigMapUpdate(cm: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_MESSAGE));
    if (!semanticEqual(cm.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE_MESSAGE));
    if (!semanticEqual(cm.binaryData, old.binaryData)) errs.push(fieldErrors.forbidden('binaryData', IMMUTABLE_MESSAGE));
  }
  return [...errs, ...validateConfigMap(cm)];
}

export function configMapsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    namespaced: true,
    shortNames: ['cm'],
    storagePrefix: 'configmaps',
    modelType: 'V1ConfigMap',
    strategy: {
      validate: validateConfigMap,
      validateUpdate: validateConfigMapUpdate,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [nameColumn(), column('Data', 'string', 'Number of entries in data and binaryData.'), ageColumn()],
      cells: (cm, now) => [
        cm.metadata.name ?? '',
        Object.keys(obj(cm.data) ?? {}).length + Object.keys(obj(cm.binaryData) ?? {}).length,
        translateTimestampSince(cm.metadata.creationTimestamp, now),
      ],
    },
  };
}
