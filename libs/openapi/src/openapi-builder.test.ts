import { describe, it, expect } from 'vitest';
import { OpenApiBuilder } from './openapi-builder';
import { etagOf } from './etag';
import { Schema } from './schema-types';
import { SAMPLE_CUSTOM_RESOURCE, SAMPLE_RESOURCES } from './testing/sample-resources';
import { ResourceDefinition } from '../../registry/src/resource';

const APPS = 'io.k8s.api.apps.v1';
const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Every `$ref` string in a document. */
function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refsIn(x, out);
    }
  }
  return out;
}

describe('OpenApiBuilder v2', () => {
  const builder = new OpenApiBuilder(() => SAMPLE_RESOURCES);
  const doc = builder.v2();

  it('has definitions with x-kubernetes-group-version-kind for every kind and list kind', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.definitions[`${APPS}.Deployment`]['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    expect(doc.definitions[`${APPS}.DeploymentList`]['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'DeploymentList', version: 'v1' },
    ]);
    for (const [name, kind, group] of [
      [`${CORE}.ConfigMap`, 'ConfigMap', ''],
      [`${CORE}.Pod`, 'Pod', ''],
      [`${CORE}.Namespace`, 'Namespace', ''],
      ['io.k8s.api.coordination.v1.Lease', 'Lease', 'coordination.k8s.io'],
      ['io.k8s.api.events.v1.Event', 'Event', 'events.k8s.io'],
    ]) {
      expect(doc.definitions[name]['x-kubernetes-group-version-kind'], name).toEqual([{ group, kind, version: 'v1' }]);
    }
    expect(doc.definitions[`${META}.Status`]['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Status', version: 'v1' }]);
  });

  it('describes fields with types, formats, descriptions and required lists', () => {
    const spec = doc.definitions[`${APPS}.DeploymentSpec`];
    expect(spec.type).toBe('object');
    expect(spec.required).toEqual(['selector', 'template']);
    expect(spec.properties?.replicas).toMatchObject({ type: 'integer', format: 'int32' });
    expect(spec.properties?.replicas.description).toMatch(/desired pods/);
    expect(spec.properties?.template).toMatchObject({ $ref: `#/definitions/${CORE}.PodTemplateSpec` });
    expect(spec.properties?.selector).toMatchObject({ $ref: `#/definitions/${META}.LabelSelector` });
    const meta = doc.definitions[`${META}.ObjectMeta`];
    expect(meta.properties?.creationTimestamp).toMatchObject({ $ref: `#/definitions/${META}.Time` });
    expect(meta.properties?.labels).toMatchObject({ type: 'object', additionalProperties: { type: 'string' } });
    expect(doc.definitions[`${META}.Time`]).toMatchObject({ type: 'string', format: 'date-time' });
    expect(doc.definitions[`${CORE}.ContainerPort`].properties?.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(doc.definitions[`${CORE}.ResourceRequirements`].properties?.limits).toMatchObject({
      type: 'object',
      additionalProperties: { $ref: '#/definitions/io.k8s.apimachinery.pkg.api.resource.Quantity' },
    });
    expect(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ type: 'string', format: 'int-or-string' });
    expect(doc.definitions['io.k8s.api.events.v1.Event'].properties?.eventTime).toMatchObject({ $ref: `#/definitions/${META}.MicroTime` });
    expect(doc.definitions[`${CORE}.Pod`].properties?.metadata.description).toMatch(/^Standard object's metadata/);
  });

  it('carries strategic-merge-patch metadata on PodSpec.containers', () => {
    const containers = doc.definitions[`${CORE}.PodSpec`].properties?.containers as Schema;
    expect(containers).toMatchObject({
      type: 'array',
      items: { $ref: `#/definitions/${CORE}.Container` },
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
    });
    const gates = doc.definitions[`${CORE}.PodSpec`].properties?.schedulingGates as Schema;
    expect(gates).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
  });

  it('uses the given patch metadata lookup', () => {
    const doc2 = new OpenApiBuilder(() => SAMPLE_RESOURCES, {
      patchMeta: (type, field) => (type === 'V1DeploymentSpec' && field === 'strategy' ? { patchStrategy: 'retainKeys' } : undefined),
    }).v2();
    expect(doc2.definitions[`${APPS}.DeploymentSpec`].properties?.strategy['x-kubernetes-patch-strategy']).toBe('retainKeys');
    expect(doc2.definitions[`${CORE}.PodSpec`].properties?.containers['x-kubernetes-patch-strategy']).toBeUndefined();
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) {
      expect(ref.startsWith('#/definitions/'), ref).toBe(true);
      expect(doc.definitions[ref.slice('#/definitions/'.length)], ref).toBeDefined();
    }
  });

  it('has the REST operations with actions, GVKs and parameters', () => {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(item.patch?.operationId).toBe('patchAppsV1NamespacedDeployment');
    expect(item.patch?.['x-kubernetes-action']).toBe('patch');
    expect(item.patch?.['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', kind: 'Deployment', version: 'v1' });
    expect(item.patch?.consumes).toContain('application/strategic-merge-patch+json');
    expect(item.patch?.parameters?.map((p) => p.name)).toEqual(['body', 'dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(item.parameters?.map((p) => p.name)).toEqual(['name', 'namespace', 'pretty']);
    expect(item.get?.responses['200'].schema).toEqual({ $ref: `#/definitions/${APPS}.Deployment` });
    const coll = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    expect(coll.get?.['x-kubernetes-action']).toBe('list');
    expect(coll.post?.['x-kubernetes-action']).toBe('post');
    expect(coll.delete?.['x-kubernetes-action']).toBe('deletecollection');
    expect(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].put?.['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    expect(doc.paths['/apis/apps/v1/deployments'].get?.operationId).toBe('listAppsV1DeploymentForAllNamespaces');
    expect(doc.paths['/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}'].get?.['x-kubernetes-action']).toBe('watch');
    // cluster-scoped without deletecollection
    expect(doc.paths['/api/v1/namespaces'].delete).toBeUndefined();
    expect(doc.paths['/api/v1/namespaces/{name}'].get?.operationId).toBe('readCoreV1Namespace');
    expect(doc.paths['/api/v1/'].get?.operationId).toBe('getCoreV1APIResources');
  });

  it('caches until invalidate()', () => {
    let resources: ResourceDefinition[] = SAMPLE_RESOURCES.slice(0, 1);
    const b = new OpenApiBuilder(() => resources);
    const first = b.v2();
    resources = SAMPLE_RESOURCES;
    expect(b.v2()).toBe(first);
    b.invalidate();
    expect(b.v2()).not.toBe(first);
    expect(b.v2().definitions[`${APPS}.Deployment`]).toBeDefined();
  });

  it('gives kinds without a client-node model an open schema', () => {
    const d = new OpenApiBuilder(() => [...SAMPLE_RESOURCES, SAMPLE_CUSTOM_RESOURCE]).v2();
    const def = d.definitions['com.example.stable.v1.CronTab'];
    expect(def['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
    expect(def['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(d.paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch?.consumes).not.toContain(
      'application/strategic-merge-patch+json',
    );
    for (const ref of refsIn(d)) expect(d.definitions[ref.slice('#/definitions/'.length)], ref).toBeDefined();
  });
});

describe('OpenApiBuilder v3', () => {
  const builder = new OpenApiBuilder(() => SAMPLE_RESOURCES);

  it('indexes every group-version with a hash of its document', () => {
    const index = builder.v3Index();
    expect(Object.keys(index.paths)).toEqual(
      expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/coordination.k8s.io/v1', 'apis/events.k8s.io/v1', 'api', 'apis', 'apis/apps', 'version']),
    );
    const doc = builder.v3GroupVersion('apis/apps/v1');
    expect(doc).toBeDefined();
    const hash = etagOf(doc as object);
    expect(hash).toMatch(/^[0-9A-F]{128}$/);
    expect(index.paths['apis/apps/v1'].serverRelativeURL).toBe(`/openapi/v3/apis/apps/v1?hash=${hash}`);
    expect(builder.v3GroupVersionEtag('apis/apps/v1')).toBe(hash);
    expect(builder.v3GroupVersionJson('apis/apps/v1')).toBe(JSON.stringify(doc));
    expect(builder.v3GroupVersion('apis/nope/v1')).toBeUndefined();
  });

  it('advertises fieldValidation on the PATCH operation of Deployment (client-go QueryParamVerifierV3)', () => {
    const doc = builder.v3GroupVersion('apis/apps/v1');
    // same lookup as supportsQueryParamV3: first PATCH operation with the GVK, then its own parameters
    const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
    let supported: boolean | undefined;
    for (const item of Object.values(doc?.paths ?? {})) {
      const op = item.patch;
      const ext = op?.['x-kubernetes-group-version-kind'] as typeof gvk | undefined;
      if (!op || !ext || ext.group !== gvk.group || ext.version !== gvk.version || ext.kind !== gvk.kind) continue;
      supported = (op.parameters ?? []).some((p) => p.name === 'fieldValidation');
      break;
    }
    expect(supported).toBe(true);
    for (const gv of ['api/v1', 'apis/coordination.k8s.io/v1', 'apis/events.k8s.io/v1']) {
      const patchOps = Object.values(builder.v3GroupVersion(gv)?.paths ?? {}).flatMap((i) => (i.patch ? [i.patch] : []));
      expect(patchOps.length, gv).toBeGreaterThan(0);
      for (const op of patchOps) expect(op.parameters?.some((p) => p.name === 'fieldValidation')).toBe(true);
    }
  });

  it('uses components.schemas with allOf-wrapped refs, resolvable within the document', () => {
    for (const key of Object.keys(builder.v3Index().paths)) {
      const doc = builder.v3GroupVersion(key);
      for (const ref of refsIn(doc)) {
        expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
        expect(doc?.components.schemas[ref.slice('#/components/schemas/'.length)], `${key}: ${ref}`).toBeDefined();
      }
    }
    const doc = builder.v3GroupVersion('apis/apps/v1');
    const schemas = doc?.components.schemas ?? {};
    expect(schemas['io.k8s.api.core.v1.Pod']).toBeUndefined(); // only what apps/v1 references
    const strategy = schemas[`${APPS}.DeploymentSpec`].properties?.strategy as Schema;
    expect(strategy.allOf).toEqual([{ $ref: `#/components/schemas/${APPS}.DeploymentStrategy` }]);
    expect(strategy.description).toBeTruthy();
    expect(schemas[`${APPS}.DeploymentStrategy`].properties?.rollingUpdate.allOf).toBeDefined();
    expect(schemas[`${APPS}.Deployment`]['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const patch = doc?.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(Object.keys(patch?.requestBody?.content ?? {})).toContain('application/apply-patch+yaml');
    expect(patch?.parameters?.find((p) => p.name === 'fieldValidation')).toMatchObject({ in: 'query', schema: { type: 'string', uniqueItems: true } });
  });
});
