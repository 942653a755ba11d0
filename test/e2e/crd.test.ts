/**
 * End to end for CustomResourceDefinitions with kubectl 1.32 over a real etcd: a CRD with a
 * nested schema, defaults, a CEL rule, printer columns and two versions (conversion None);
 * valid and invalid custom resources (422 with field paths), tables, the status subresource,
 * a second replica serving the CRD within a second, an operator-style client-node loop (watch,
 * status patch, server-side apply), and deletion of the CRD deleting its custom resources.
 */
import { describe, expect, it } from 'vitest';
import { customResource, useCrdCluster, waitUntil as pollUntil } from './crd-harness';

const cluster = useCrdCluster();
const { k, kin } = cluster;

const versionSchema = `
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            x-kubernetes-validations:
            - rule: "self.replicas <= 3 || self.image.startsWith('big/')"
              message: "more than 3 replicas need a big/ image"
              fieldPath: ".replicas"
            properties:
              cronSpec:
                type: string
                pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'
              image:
                type: string
                default: "busybox"
              replicas:
                type: integer
                minimum: 1
                maximum: 5
                default: 1
              color:
                type: string
                enum: [red, green, blue]
              template:
                type: object
                properties:
                  labels:
                    type: object
                    additionalProperties:
                      type: string
                  retries:
                    type: integer
                    default: 2
          status:
            type: object
            properties:
              replicas:
                type: integer
              phase:
                type: string`;

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    schema:${versionSchema}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
    selectableFields:
    - jsonPath: .spec.color
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
  - name: v1beta1
    served: true
    storage: false
    schema:${versionSchema}
`;

const cronTab = (name: string, spec: string, apiVersion = 'stable.example.com/v1') => customResource(apiVersion, 'CronTab', name, spec);
const waitUntil = (what: string, ms: number, fn: () => Promise<boolean>) => pollUntil(what, ms, fn, 50);

describe('CustomResourceDefinitions', () => {
  it('creates a CRD that becomes Established and shows up in discovery', async () => {
    const r = await kin(crd, 'apply', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created');
    const w = await k('wait', '--for=condition=Established', 'crd/crontabs.stable.example.com', '--timeout=20s');
    expect(w.code, w.stderr).toBe(0);
    const got = JSON.parse((await k('get', 'crd', 'crontabs.stable.example.com', '-o', 'json')).stdout);
    expect(got.status.acceptedNames.kind).toBe('CronTab');
    expect(got.status.storedVersions).toEqual(['v1']);
    expect(got.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(got.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    await waitUntil('api-resources', 10_000, async () => (await k('api-resources', '--api-group=stable.example.com')).stdout.includes('crontabs'));
    const ar = await k('api-resources', '--api-group=stable.example.com');
    expect(ar.stdout).toMatch(/crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
    const explain = await k('explain', 'crontabs.spec');
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toMatch(/cronSpec\s+<string> -required-/);
    const openapi = await cluster.server.request('GET', '/openapi/v3');
    expect(Object.keys(openapi.json<{ paths: Record<string, unknown> }>().paths)).toEqual(expect.arrayContaining(['apis/stable.example.com/v1', 'apis/stable.example.com/v1beta1']));
  }, 60_000);

  it('rejects invalid CRDs with upstream messages', async () => {
    const bad = crd.replace('name: crontabs.stable.example.com', 'name: crontab.stable.example.com');
    const r = await kin(bad, 'create', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group');
  });

  it('creates valid custom resources with defaults and prints the columns', async () => {
    const body = cronTab('daily', '  cronSpec: "0 0 * * *"\n  replicas: 2\n  color: red\n  unknownField: dropped\n  template:\n    labels:\n      a: b');
    const strict = await kin(body, 'apply', '-f', '-');
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.unknownField"');
    const r = await kin(body, 'apply', '--validate=false', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('crontab.stable.example.com/daily created');
    const got = JSON.parse((await k('get', 'ct', 'daily', '-o', 'json')).stdout);
    expect(got.spec).toEqual({ cronSpec: '0 0 * * *', image: 'busybox', replicas: 2, color: 'red', template: { labels: { a: 'b' }, retries: 2 } });
    expect(got.metadata.generation).toBe(1);
    const table = await k('get', 'crontabs');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE\n/);
    expect(table.stdout).toMatch(/daily\s+0 0 \* \* \*\s+2\s+\d+s/);
    const all = await k('get', 'all');
    expect(all.stdout).toContain('crontab.stable.example.com/daily');
  });

  it('answers 422 with field paths for schema and CEL violations', async () => {
    const r = await kin(cronTab('bad', '  cronSpec: "0 0 * * *"\n  replicas: 7\n  color: pink'), 'create', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The CronTab "bad" is invalid:');
    expect(r.stderr).toContain('spec.replicas: Invalid value: 7: spec.replicas in body should be less than or equal to 5');
    expect(r.stderr).toContain('spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"');
    const cel = await kin(cronTab('bad', '  cronSpec: "0 0 * * *"\n  replicas: 4'), 'create', '-f', '-');
    expect(cel.code).not.toBe(0);
    expect(cel.stderr).toContain('spec.replicas: Invalid value: "object": more than 3 replicas need a big/ image');
    const raw = await cluster.server.request('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', {
      body: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'raw' }, spec: { cronSpec: 'nope' } }),
    });
    expect(raw.status).toBe(422);
    const st = raw.json<{ reason: string; details: { causes: { field: string; reason: string }[] } }>();
    expect(st.reason).toBe('Invalid');
    expect(st.details.causes[0]).toMatchObject({ field: 'spec.cronSpec', reason: 'FieldValueInvalid' });
  });

  it('writes status through the status subresource only, scales, and selects by selectable fields', async () => {
    const p = await k('patch', 'ct', 'daily', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"phase":"Running"}}');
    expect(p.code, p.stderr).toBe(0);
    const main = await k('patch', 'ct', 'daily', '--type=merge', '-p', '{"status":{"phase":"Ignored"}}');
    expect(main.code, main.stderr).toBe(0);
    const got = JSON.parse((await k('get', 'ct', 'daily', '-o', 'json')).stdout);
    expect(got.status).toEqual({ replicas: 2, phase: 'Running' });
    const sc = await k('scale', 'ct', 'daily', '--replicas=3');
    expect(sc.code, sc.stderr).toBe(0);
    expect(JSON.parse((await k('get', 'ct', 'daily', '-o', 'json')).stdout).spec.replicas).toBe(3);
    const sel = await k('get', 'ct', '--field-selector=spec.color=red', '-o', 'name');
    expect(sel.stdout.trim()).toBe('crontab.stable.example.com/daily');
    const none = await k('get', 'ct', '--field-selector=spec.color=blue', '-o', 'name');
    expect(none.stdout.trim()).toBe('');
  });

  it('serves a second version with None conversion', async () => {
    const v1beta1 = await k('get', 'crontabs.v1beta1.stable.example.com', 'daily', '-o', 'json');
    expect(v1beta1.code, v1beta1.stderr).toBe(0);
    expect(JSON.parse(v1beta1.stdout).apiVersion).toBe('stable.example.com/v1beta1');
    const created = await kin(cronTab('weekly', '  cronSpec: "0 0 * * 0"', 'stable.example.com/v1beta1'), 'create', '-f', '-');
    expect(created.code, created.stderr).toBe(0);
    const asV1 = JSON.parse((await k('get', 'crontabs.v1.stable.example.com', 'weekly', '-o', 'json')).stdout);
    expect(asV1.apiVersion).toBe('stable.example.com/v1');
    expect(asV1.spec.replicas).toBe(1);
  });

  it('serves a new CRD on a second replica within a second', async () => {
    const replica = await cluster.startReplica();
    const second = crd.replace(/crontabs/g, 'backups').replace(/crontab\b/g, 'backup').replace(/CronTab/g, 'Backup').replace('shortNames: [ct]', 'shortNames: [bk]');
    const r = await kin(second, 'create', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    const start = Date.now();
    await waitUntil('the replica to serve backups', 5_000, async () => (await replica.request('GET', '/apis/stable.example.com/v1/namespaces/default/backups')).status === 200);
    expect(Date.now() - start).toBeLessThan(1000);
    const created = await replica.request('POST', '/apis/stable.example.com/v1/namespaces/default/backups', {
      body: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'Backup', metadata: { name: 'b1' }, spec: { cronSpec: '* * * * *' } }),
    });
    expect(created.status, created.body).toBe(201);
    const disc = await replica.request('GET', '/apis/stable.example.com/v1');
    expect(disc.json<{ resources: { name: string }[] }>().resources.map((x) => x.name)).toEqual(expect.arrayContaining(['backups', 'crontabs']));
  }, 60_000);

  it('runs an operator-style loop with @kubernetes/client-node', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.server.kubeconfig);
    const api = kc.makeApiClient(k8s.CustomObjectsApi);
    const group = 'stable.example.com';
    const version = 'v1';
    const plural = 'crontabs';
    const namespace = 'default';
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const ctrl = await watch.watch(`/apis/${group}/${version}/namespaces/${namespace}/${plural}`, {}, (phase, obj) => {
      seen.push(`${phase} ${obj.metadata.name}`);
      if (phase === 'ADDED' && obj.metadata.name === 'op' && !obj.status) {
        void api.patchNamespacedCustomObjectStatus(
          { group, version, namespace, plural, name: 'op', body: [{ op: 'add', path: '/status', value: { phase: 'Reconciled', replicas: 1 } }] },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        );
      }
    }, () => undefined);
    try {
      await api.createNamespacedCustomObject({ group, version, namespace, plural, body: { apiVersion: `${group}/${version}`, kind: 'CronTab', metadata: { name: 'op' }, spec: { cronSpec: '*/5 * * * *' } } });
      await waitUntil('the status write', 10_000, async () => {
        const o = (await api.getNamespacedCustomObject({ group, version, namespace, plural, name: 'op' })) as { status?: { phase?: string } };
        return o.status?.phase === 'Reconciled';
      });
      expect(seen).toContain('ADDED op');
      await waitUntil('the MODIFIED event', 5_000, async () => seen.includes('MODIFIED op'));
      const applied = (await api.patchNamespacedCustomObject(
        {
          group,
          version,
          namespace,
          plural,
          name: 'op',
          body: { apiVersion: `${group}/${version}`, kind: 'CronTab', metadata: { name: 'op' }, spec: { cronSpec: '*/5 * * * *', color: 'green' } },
          fieldManager: 'operator',
          force: true,
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
      )) as { spec: { color: string }; metadata: { managedFields: { manager: string; operation: string }[] } };
      expect(applied.spec.color).toBe('green');
      expect(applied.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`)).toContain('operator/Apply');
    } finally {
      ctrl.abort();
    }
  }, 60_000);

  it('deletes the custom resources when the CRD is deleted', async () => {
    const d = await k('delete', 'crd', 'crontabs.stable.example.com', '--timeout=30s');
    expect(d.code, d.stderr).toBe(0);
    const gone = await k('get', 'crd', 'crontabs.stable.example.com');
    expect(gone.stderr).toContain('NotFound');
    await waitUntil('the resource to be unserved', 5_000, async () => (await cluster.server.request('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs')).status === 404);
    // recreating the CRD finds no old objects
    const again = await kin(crd, 'create', '-f', '-');
    expect(again.code, again.stderr).toBe(0);
    await waitUntil('the resource to be served again', 5_000, async () => (await cluster.server.request('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs')).status === 200);
    const list = await cluster.server.request('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs');
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  }, 60_000);
});
