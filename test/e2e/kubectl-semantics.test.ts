/**
 * Registry semantics as kubectl users meet them (1.32 and 1.27): dry run, field validation,
 * generateName, conflicts on replace, finalizers and deletionTimestamp, status subresource,
 * delete --all, server-side printing as Table and PartialObjectMetadata, YAML, health checks.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

describe.each(['1.32', '1.27'])('kubectl %s semantics', (version) => {
  const ns = `sem-${version.replace('.', '-')}`;
  const k = (...args: string[]) => kubectl(version, server.kubeconfig, [...args, '-n', ns]);
  const kin = (input: string, ...args: string[]) => kubectl(version, server.kubeconfig, [...args, '-n', ns], input);
  const file = (name: string, text: string) => {
    const p = join(server.certDir, `${ns}-${name}`);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    const r = await kubectl(version, server.kubeconfig, ['create', 'namespace', ns]);
    expect(r.stdout.trim(), r.stderr).toBe(`namespace/${ns} created`);
  });

  it('dry-run=server creates and deletes nothing', async () => {
    const c = await k('create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server');
    expect(c.stdout.trim(), c.stderr).toBe('configmap/dry created (server dry run)');
    const g = await k('get', 'configmap', 'dry');
    expect(g.stderr).toContain('configmaps "dry" not found');
    await k('create', 'configmap', 'kept');
    const d = await k('delete', 'configmap', 'kept', '--dry-run=server');
    expect(d.stdout.trim(), d.stderr).toBe('configmap "kept" deleted (server dry run)');
    expect((await k('get', 'configmap', 'kept')).code).toBe(0);
  });

  it('rejects unknown fields under strict validation, warns under warn', async () => {
    const bad = file('bad.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict}\ndata: {a: b}\nbogus: 1\n');
    const strict = await k('create', '-f', bad);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('unknown field "bogus"');
    const warn = await k('create', '-f', bad, '--validate=warn');
    expect(warn.stdout.trim(), warn.stderr).toBe('configmap/strict created');
    expect(warn.stderr).toContain('unknown field "bogus"');
  });

  it('names objects from generateName', async () => {
    const gen = file('gen.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: gen-}\n');
    const c = await k('create', '-f', gen);
    expect(c.stdout.trim(), c.stderr).toMatch(/^configmap\/gen-[a-z0-9]{5} created$/);
  });

  it('refuses a replace from a stale copy with the upstream conflict message', async () => {
    await k('create', 'configmap', 'stale', '--from-literal=a=1');
    const y = await k('get', 'configmap', 'stale', '-o', 'yaml');
    const copy = file('stale.yaml', y.stdout);
    await k('label', 'configmap', 'stale', 'x=y');
    const r = await k('replace', '-f', copy);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('keeps an object with a finalizer, marked for deletion, until the finalizer is removed', async () => {
    await k('create', 'configmap', 'held');
    await k('patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}');
    const d = await k('delete', 'configmap', 'held', '--wait=false');
    expect(d.stdout.trim(), d.stderr).toBe('configmap "held" deleted');
    const ts = await k('get', 'configmap', 'held', '-o', 'jsonpath={.metadata.deletionTimestamp}');
    expect(ts.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const p = await k('patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
    expect(p.code, p.stderr).toBe(0);
    const g = await k('get', 'configmap', 'held');
    expect(g.stderr).toContain('configmaps "held" not found');
  });

  it('writes status only through the status subresource', async () => {
    const dep = `apiVersion: apps/v1
kind: Deployment
metadata: {name: st}
spec:
  replicas: 1
  selector: {matchLabels: {app: st}}
  template:
    metadata: {labels: {app: st}}
    spec: {containers: [{name: c, image: nginx}]}
status: {readyReplicas: 5}
`;
    const a = await kin(dep, 'apply', '-f', '-');
    expect(a.stdout.trim(), a.stderr).toBe('deployment.apps/st created');
    const before = await k('get', 'deploy', 'st', '-o', 'jsonpath={.status.readyReplicas}');
    expect(before.stdout).toBe('');
    const s = await k('patch', 'deploy', 'st', '--subresource=status', '--type=merge', '-p', '{"status":{"readyReplicas":1,"replicas":1}}');
    expect(s.stdout.trim(), s.stderr).toBe('deployment.apps/st patched');
    const g = await k('get', 'deploy', 'st');
    expect(g.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    expect(g.stdout).toMatch(/^st\s+1\/1\s+/m);
  });

  it('serves Table, PartialObjectMetadataList and YAML on request', async () => {
    const base = `/api/v1/namespaces/${ns}/configmaps`;
    const table = await server.request('GET', base, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    expect(table.json()).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    const cols = (table.json().columnDefinitions as { name: string }[]).map((c) => c.name);
    expect(cols).toEqual(['Name', 'Data', 'Age']);
    const pom = await server.request('GET', base, {
      headers: { Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' },
    });
    expect(pom.json()).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect((pom.json().items as Record<string, unknown>[])[0]).not.toHaveProperty('data');
    const yaml = await server.request('GET', `${base}/kept`, { headers: { Accept: 'application/yaml' } });
    expect(yaml.headers['content-type']).toBe('application/yaml');
    expect(yaml.body).toContain('kind: ConfigMap');
  });

  it('deletes every object of a kind with --all', async () => {
    const d = await k('delete', 'configmap', '--all');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain('configmap "kept" deleted');
    const g = await k('get', 'configmap');
    expect(g.stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
  });

  it('answers the health checks kubectl reads', async () => {
    const r = await kubectl(version, server.kubeconfig, ['get', '--raw', '/readyz?verbose']);
    expect(r.stdout).toContain('[+]etcd ok');
    expect(r.stdout).toContain('readyz check passed');
    const one = await kubectl(version, server.kubeconfig, ['get', '--raw', '/livez/etcd']);
    expect(one.stdout).toBe('ok');
  });
});
