/**
 * core/v1 secrets: type defaults to Opaque; data values must be base64 (decoding fails with 400
 * otherwise); stringData is merged into data and dropped, as upstream's conversion does.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { errors } from '../../../apimachinery/src/status';
import { KObject } from '../../../apimachinery/src/types';
import { isConfigMapKey, semanticEqual, validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { base64ErrorOffset, decodedLength, encodeBase64 } from '../common/base64';
import { child, isObject, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { IMMUTABLE_MESSAGE, MAX_SECRET_SIZE } from './configmaps';

function defaultSecret(secret: KObject): void {
  if (!str(secret.type)) secret.type = 'Opaque';
  for (const value of Object.values(obj(secret.data) ?? {})) {
    const offset = typeof value === 'string' ? base64ErrorOffset(value) : null;
    if (offset !== null) {
      throw errors.badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${offset}`);
    }
  }
  const stringData = obj(secret.stringData);
  if (stringData && Object.keys(stringData).length > 0) {
    const data = child(secret, 'data');
    for (const [k, v] of Object.entries(stringData)) data[k] = encodeBase64(str(v));
  }
  delete secret.stringData;
}

function validateSecret(secret: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(secret.data) ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(fieldErrors.invalid(`data[${key}]`, key, m));
    total += decodedLength(str(value));
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('data', '', MAX_SECRET_SIZE));
  const has = (k: string): boolean => k in data;
  switch (str(secret.type)) {
    case 'kubernetes.io/service-account-token':
      if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErrors.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = str(secret.type) === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(key)) {
        errs.push(fieldErrors.required(`data[${key}]`, ''));
        break;
      }
      try {
        if (!isObject(JSON.parse(Buffer.from(str(data[key]), 'base64').toString('utf8')))) throw new Error('not an object');
      } catch (e) {
        const detail = e instanceof SyntaxError ? e.message : 'json: cannot unmarshal into Go value of type map[string]interface {}';
        errs.push(fieldErrors.invalid(`data[${key}]`, '<secret contents redacted>', detail));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(fieldErrors.required('data[username]', ''), fieldErrors.required('data[password]', ''));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) errs.push(fieldErrors.required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldErrors.required('data[tls.crt]', ''));
      if (!has('tls.key')) errs.push(fieldErrors.required('data[tls.key]', ''));
      break;
  }
  return errs;
}

function validateSecretUpdate(secret: KObject, old: KObject): FieldError[] {
  const errs = validateImmutableField(str(secret.type), str(old.type), 'type');
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(fieldErrors.forbidden('immutable', IMMUTABLE_MESSAGE));
    if (!semanticEqual(secret.data, old.data)) errs.push(fieldErrors.forbidden('data', IMMUTABLE_MESSAGE));
  }
  return [...errs, ...validateSecret(secret)];
}

export function secretsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    storagePrefix: 'secrets',
    modelType: 'V1Secret',
    strategy: {
      default: defaultSecret,
      validate: validateSecret,
      validateUpdate: validateSecretUpdate,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    table: {
      columns: [
        nameColumn(),
        column('Type', 'string', 'The type of the secret.'),
        column('Data', 'string', 'Number of entries in data.'),
        ageColumn(),
      ],
      cells: (s, now) => [
        s.metadata.name ?? '',
        str(s.type),
        Object.keys(obj(s.data) ?? {}).length,
        translateTimestampSince(s.metadata.creationTimestamp, now),
      ],
    },
    selectableFields: (s) => ({ type: str(s.type) }),
  };
}
