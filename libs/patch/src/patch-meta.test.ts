import { describe, expect, it } from 'vitest';
import { isModelType, modelFields } from './model-types';
import {
  elementType,
  fieldTypeAtPath,
  getFieldType,
  getPatchMeta,
  itemType,
  mapValueType,
  patchMetaEntries,
} from './patch-meta';

describe('model field types', () => {
  it('reads field types from the client-node models', () => {
    expect(getFieldType('V1PodSpec', 'containers')).toBe('Array<V1Container>');
    expect(getFieldType('V1Deployment', 'spec')).toBe('V1DeploymentSpec');
    expect(getFieldType('V1ObjectMeta', 'labels')).toBe('{ [key: string]: string; }');
    expect(getFieldType('V1ObjectMeta', 'creationTimestamp')).toBe('Date');
    expect(getFieldType('V1PodSpec', 'noSuchField')).toBeUndefined();
    expect(getFieldType('NoSuchType', 'x')).toBeUndefined();
    // a map type's "fields" are its values
    expect(getFieldType('{ [key: string]: string; }', 'app')).toBe('string');
    // JSON names, not TS property names
    expect(getFieldType('V1JSONSchemaProps', '$ref')).toBe('string');
  });

  it('unwraps array and map types', () => {
    expect(elementType('Array<V1Container>')).toBe('V1Container');
    expect(elementType('V1Container')).toBeUndefined();
    expect(mapValueType('{ [key: string]: Array<string>; }')).toBe('Array<string>');
    expect(mapValueType('Array<string>')).toBeUndefined();
    expect(itemType('Array<string>')).toBe('string');
    expect(itemType('{ [key: string]: V1JSONSchemaProps; }')).toBe('V1JSONSchemaProps');
  });

  it('walks paths', () => {
    expect(fieldTypeAtPath('V1Deployment', ['spec', 'template', 'spec', 'containers'])).toBe('Array<V1Container>');
    expect(fieldTypeAtPath('V1Deployment', ['spec', 'template', 'spec', 'containers', 'env'])).toBe('Array<V1EnvVar>');
    expect(fieldTypeAtPath('V1Deployment', ['spec', 'nope', 'x'])).toBeUndefined();
    expect(isModelType('V1Pod')).toBe(true);
    expect(modelFields('V1OwnerReference')).toContain('uid');
  });
});

describe('getPatchMeta', () => {
  it('knows the upstream patch strategies', () => {
    expect(getPatchMeta('V1PodSpec', 'containers')).toEqual({ patchStrategy: 'merge', patchMergeKey: 'name' });
    expect(getPatchMeta('V1PodSpec', 'volumes')).toEqual({ patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' });
    expect(getPatchMeta('V1Container', 'ports')).toEqual({
      patchStrategy: 'merge',
      patchMergeKey: 'containerPort',
      listType: 'map',
      listMapKeys: ['containerPort', 'protocol'],
    });
    expect(getPatchMeta('V1Container', 'volumeMounts')).toEqual({ patchStrategy: 'merge', patchMergeKey: 'mountPath' });
    expect(getPatchMeta('V1ServiceSpec', 'ports')).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'port' });
    expect(getPatchMeta('V1ObjectMeta', 'finalizers')).toEqual({ patchStrategy: 'merge', listType: 'set' });
    expect(getPatchMeta('V1ObjectMeta', 'ownerReferences')).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'uid' });
    expect(getPatchMeta('V1DeploymentSpec', 'strategy')).toEqual({ patchStrategy: 'retainKeys' });
    expect(getPatchMeta('V1DeploymentStatus', 'conditions')).toEqual({ patchStrategy: 'merge', patchMergeKey: 'type' });
    expect(getPatchMeta('V1PodSpec', 'tolerations')).toBeUndefined();
    expect(getPatchMeta('V1Container', 'args')).toBeUndefined();
    expect(getPatchMeta('V1PodSpec', 'constructor')).toBeUndefined();
  });

  it('returns copies', () => {
    const m = getPatchMeta('V1Container', 'ports');
    m!.listMapKeys!.push('x');
    m!.patchMergeKey = 'y';
    expect(getPatchMeta('V1Container', 'ports')).toMatchObject({ patchMergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'] });
  });

  it.each(patchMetaEntries().map((e) => [`${e.typeName}.${e.jsonField}`, e] as const))(
    '%s is consistent with the models',
    (_name, { typeName, jsonField, meta }) => {
      expect(isModelType(typeName)).toBe(true);
      const type = getFieldType(typeName, jsonField);
      expect(type).toBeDefined();
      const strategies = meta.patchStrategy?.split(',') ?? [];
      for (const s of strategies) expect(['merge', 'retainKeys', 'replace']).toContain(s);
      if (meta.listType || strategies.includes('merge')) expect(elementType(type!)).toBeDefined();
      const elem = elementType(type!);
      for (const key of [meta.patchMergeKey, ...(meta.listMapKeys ?? [])]) {
        if (key === undefined) continue;
        expect(elem && isModelType(elem)).toBe(true);
        expect(modelFields(elem!)).toContain(key);
      }
      if (meta.listMapKeys) expect(meta.listType).toBe('map');
    },
  );
});
