/**
 * End to end with the real kubectl binaries (1.32 and 1.27) against one replica on a real etcd:
 * create, get, list (chunked), apply (created/unchanged/configured), patch, scale, label, delete,
 * api-resources, explain, watch — asserting what kubectl prints.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, KUBECTL_DIR, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

const deployment = (image: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
        env:
        - name: MODE
          value: prod
`;

describe.each(['1.32', '1.27'])('kubectl %s', (version) => {
  const ns = `e2e-${version.replace('.', '-')}`;
  const k = (...args: string[]) => kubectl(version, server.kubeconfig, args);
  const kin = (input: string, ...args: string[]) => kubectl(version, server.kubeconfig, args, input);

  it('sees the server version and system namespaces', async () => {
    const v = await k('version', '-o', 'json');
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).serverVersion.minor).toBe('32');
    const nsList = await k('get', 'ns');
    expect(nsList.code, nsList.stderr).toBe(0);
    expect(nsList.stdout).toMatch(/^NAME\s+STATUS\s+AGE/);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(nsList.stdout).toContain(n);
  });

  it('creates a namespace and configmaps, lists them in chunks', async () => {
    const created = await k('create', 'namespace', ns);
    expect(created.stdout.trim(), created.stderr).toBe(`namespace/${ns} created`);
    for (let i = 0; i < 5; i++) {
      const r = await k('create', 'configmap', `cm${i}`, '-n', ns, `--from-literal=k=v${i}`);
      expect(r.stdout.trim(), r.stderr).toBe(`configmap/cm${i} created`);
    }
    const again = await k('create', 'configmap', 'cm0', '-n', ns);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('configmaps "cm0" already exists');
    const list = await k('get', 'cm', '-n', ns, '--chunk-size=2');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+DATA\s+AGE/);
    for (let i = 0; i < 5; i++) expect(list.stdout).toMatch(new RegExp(`^cm${i}\\s+1\\s+`, 'm'));
    const one = await k('get', 'cm', 'cm3', '-n', ns, '-o', 'jsonpath={.data.k}');
    expect(one.stdout).toBe('v3');
  });

  it('labels, annotates and patches', async () => {
    const l = await k('label', 'cm', 'cm1', '-n', ns, 'tier=backend');
    expect(l.stdout.trim(), l.stderr).toBe('configmap/cm1 labeled');
    const sel = await k('get', 'cm', '-n', ns, '-l', 'tier=backend', '-o', 'name');
    expect(sel.stdout.trim()).toBe('configmap/cm1');
    const a = await k('annotate', 'cm', 'cm1', '-n', ns, 'note=hello');
    // kubectl 1.27 itself prints "annotate" (its print flags lost the past tense); later versions "annotated"
    expect(a.stdout.trim(), a.stderr).toBe(version === '1.27' ? 'configmap/cm1 annotate' : 'configmap/cm1 annotated');
    const p = await k('patch', 'cm', 'cm1', '-n', ns, '-p', '{"data":{"k":"patched"}}');
    expect(p.stdout.trim(), p.stderr).toBe('configmap/cm1 patched');
    const jp = await k('patch', 'cm', 'cm1', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/data/x","value":"y"}]');
    expect(jp.stdout.trim(), jp.stderr).toBe('configmap/cm1 patched');
    const got = await k('get', 'cm', 'cm1', '-n', ns, '-o', 'json');
    const obj = JSON.parse(got.stdout);
    expect(obj.data).toEqual({ k: 'patched', x: 'y' });
    expect(obj.metadata.labels).toEqual({ tier: 'backend' });
    const fs = await k('get', 'cm', '-n', ns, '--field-selector', 'metadata.name=cm2', '-o', 'name');
    expect(fs.stdout.trim(), fs.stderr).toBe('configmap/cm2');
  });

  it('applies a deployment: created, unchanged, configured; scales it', async () => {
    const c = await kin(deployment('nginx:1.25'), 'apply', '-n', ns, '-f', '-');
    expect(c.stdout.trim(), c.stderr).toBe('deployment.apps/web created');
    const u = await kin(deployment('nginx:1.25'), 'apply', '-n', ns, '-f', '-');
    expect(u.stdout.trim(), u.stderr).toBe('deployment.apps/web unchanged');
    const g = await kin(deployment('nginx:1.26'), 'apply', '-n', ns, '-f', '-');
    expect(g.stdout.trim(), g.stderr).toBe('deployment.apps/web configured');
    const obj = JSON.parse((await k('get', 'deploy', 'web', '-n', ns, '-o', 'json')).stdout);
    expect(obj.spec.template.spec.containers).toHaveLength(1);
    expect(obj.spec.template.spec.containers[0].image).toBe('nginx:1.26');
    expect(obj.spec.template.spec.containers[0].env).toEqual([{ name: 'MODE', value: 'prod' }]);
    expect(obj.metadata.generation).toBe(2);
    expect(obj.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(obj.spec.revisionHistoryLimit).toBe(10);
    expect(obj.spec.progressDeadlineSeconds).toBe(600);
    const tmpl = obj.spec.template.spec;
    expect(tmpl.restartPolicy).toBe('Always');
    expect(tmpl.dnsPolicy).toBe('ClusterFirst');
    expect(tmpl.containers[0].terminationMessagePath).toBe('/dev/termination-log');
    expect(tmpl.containers[0].imagePullPolicy).toBe('IfNotPresent');

    const table = await k('get', 'deploy', '-n', ns);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(table.stdout).toMatch(/^web\s+0\/2\s+0\s+0\s+/m);

    const s = await k('scale', 'deploy', 'web', '-n', ns, '--replicas=5');
    expect(s.stdout.trim(), s.stderr).toBe('deployment.apps/web scaled');
    const r = await k('get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}');
    expect(r.stdout).toBe('5');
  });

  it('lists api-resources and explains fields', async () => {
    const r = await k('api-resources');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
    expect(r.stdout).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap/m);
    expect(r.stdout).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace/m);
    const e = await k('explain', 'deployments.spec.strategy');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toContain('KIND:');
    expect(e.stdout).toContain('Deployment');
    expect(e.stdout).toMatch(/rollingUpdate/);
  });

  it('watches configmaps', async () => {
    const bin = join(KUBECTL_DIR, `kubectl.${version}`);
    const child = spawn(bin, [`--kubeconfig=${server.kubeconfig}`, 'get', 'cm', '-n', ns, '--watch-only', '-o', 'name'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    await k('create', 'configmap', 'watched', '-n', ns);
    const deadline = Date.now() + 10_000;
    while (!out.includes('configmap/watched') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill();
    expect(out).toContain('configmap/watched');
  });

  it('deletes', async () => {
    const d = await k('delete', 'cm', 'cm4', '-n', ns);
    expect(d.stdout.trim(), d.stderr).toBe('configmap "cm4" deleted');
    const g = await k('get', 'cm', 'cm4', '-n', ns);
    expect(g.code).not.toBe(0);
    expect(g.stderr).toContain('configmaps "cm4" not found');
    const dd = await k('delete', 'deploy', 'web', '-n', ns);
    expect(dd.stdout.trim(), dd.stderr).toBe('deployment.apps "web" deleted');
  });

  it('creates from a file with kubectl create -f and reads yaml back', async () => {
    const file = join(server.certDir, `svc-${version}.yaml`);
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n`,
    );
    const c = await k('create', '-n', ns, '-f', file);
    expect(c.stdout.trim(), c.stderr).toBe('service/web created');
    const y = await k('get', 'svc', 'web', '-n', ns, '-o', 'yaml');
    expect(y.stdout).toContain('kind: Service');
    expect(y.stdout).toContain('protocol: TCP');
  });
});
