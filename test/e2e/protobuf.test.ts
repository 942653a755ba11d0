/**
 * kubectl 1.32's typed clients send request bodies as Kubernetes protobuf; these are the commands
 * that do, against one replica on a real etcd, asserting what kubectl prints and what was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

describe('kubectl 1.32 protobuf request bodies', () => {
  const ns = 'pb-e2e';
  const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);

  it('create namespace', async () => {
    const r = await k('create', 'namespace', ns);
    expect(r.stdout.trim(), r.stderr).toBe(`namespace/${ns} created`);
  });

  it('create configmap --from-literal', async () => {
    const r = await k('create', 'configmap', 'cfg', '-n', ns, '--from-literal=mode=prod', '--from-literal=level=3');
    expect(r.stdout.trim(), r.stderr).toBe('configmap/cfg created');
    const got = await k('get', 'configmap', 'cfg', '-n', ns, '-o', 'json');
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).data).toEqual({ mode: 'prod', level: '3' });
  });

  it('create secret generic', async () => {
    const r = await k('create', 'secret', 'generic', 'sec', '-n', ns, '--from-literal=password=s3cr3t');
    expect(r.stdout.trim(), r.stderr).toBe('secret/sec created');
    const got = await k('get', 'secret', 'sec', '-n', ns, '-o', 'jsonpath={.data.password}');
    expect(got.code, got.stderr).toBe(0);
    expect(Buffer.from(got.stdout, 'base64').toString()).toBe('s3cr3t');
  });

  it('create serviceaccount', async () => {
    const r = await k('create', 'serviceaccount', 'robot', '-n', ns);
    expect(r.stdout.trim(), r.stderr).toBe('serviceaccount/robot created');
  });

  it('create deployment with replicas and image', async () => {
    const r = await k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '-n', ns);
    expect(r.stdout.trim(), r.stderr).toBe('deployment.apps/web created');
    const got = await k('get', 'deploy', 'web', '-n', ns, '-o', 'json');
    expect(got.code, got.stderr).toBe(0);
    const dep = JSON.parse(got.stdout);
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(dep.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(dep.spec.template.spec.containers).toHaveLength(1);
    expect(dep.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.27' });
  });

  it('create service clusterip', async () => {
    const r = await k('create', 'service', 'clusterip', 's', '--tcp=80:8080', '-n', ns);
    expect(r.stdout.trim(), r.stderr).toBe('service/s created');
    const got = await k('get', 'service', 's', '-n', ns, '-o', 'json');
    expect(got.code, got.stderr).toBe(0);
    const svc = JSON.parse(got.stdout);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toHaveLength(1);
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });
    expect(typeof svc.spec.ports[0].targetPort).toBe('number');
  });
});
