/**
 * Garbage collection end to end with kubectl: a Deployment and ReplicaSets owned by it (made by
 * hand: there is no deployment controller) deleted with --cascade=foreground (kubectl waits for
 * the blocking dependents), =orphan (they stay, without the reference) and =background. Then the
 * bullmq path on a real Redis: a controller killed in the middle of a namespace deletion, and a
 * new one finishing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { RedisInstance, startRedis } from '../harness/redis';
import { ControllerProcess, etcdctlKeys, startController, until } from './gc-harness';

const version = '1.32';
let etcd: EtcdInstance;
let server: ApiserverInstance;
let redis: RedisInstance;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  etcd = await startEtcd();
  redis = await startRedis();
  server = await startApiserver({ etcd });
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await server?.stop();
  await redis?.stop();
  await etcd?.stop();
});

const k = (args: string[], input?: string) => kubectl(version, server.kubeconfig, args, input);

async function deploymentWithReplicaSets(name: string, held = false): Promise<void> {
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
  expect((await k(['apply', '-f', '-'], JSON.stringify(dep))).code).toBe(0);
  const uid = (await k(['get', 'deployment', name, '-o', 'jsonpath={.metadata.uid}'])).stdout;
  for (const [i, hash] of ['aaa', 'bbb'].entries()) {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${name}-${hash}`,
        namespace: 'default',
        ...(held && i === 0 ? { finalizers: ['example.com/hold'] } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 0, selector: { matchLabels: { app: name, h: hash } }, template: { metadata: { labels: { app: name, h: hash } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const r = await k(['apply', '-f', '-'], JSON.stringify(rs));
    expect(r.stderr).toBe('');
  }
}

const rsNames = async (app: string) => (await k(['get', 'rs', '-o', 'name'])).stdout.split('\n').filter((l) => l.includes(`/${app}-`));

describe('garbage collection e2e', () => {
  it('starts the controller (in process queue)', () => {
    controller = startController(etcd.endpoint, server.port);
  });

  it('--cascade=foreground waits for the ReplicaSets', async () => {
    await deploymentWithReplicaSets('fg', true);
    const del = k(['delete', 'deployment', 'fg', '--cascade=foreground', '--timeout=60s']);
    const dep = await until(
      'the Deployment waiting on its dependents',
      async () => {
        const r = await k(['get', 'deployment', 'fg', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const d = JSON.parse(r.stdout);
        return d.metadata.deletionTimestamp && (await rsNames('fg')).length === 1 ? d : undefined;
      },
      30_000,
      controller!.logs,
    );
    expect(dep.metadata.finalizers).toEqual(['foregroundDeletion']);
    // the held ReplicaSet is being deleted, still there: so is the Deployment
    const rs = JSON.parse((await k(['get', 'rs', 'fg-aaa', '-o', 'json'])).stdout);
    expect(rs.metadata.deletionTimestamp).toBeTruthy();
    expect((await k(['patch', 'rs', 'fg-aaa', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).code).toBe(0);
    const r = await del;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps "fg" deleted\n');
    expect(await rsNames('fg')).toEqual([]);
  }, 90_000);

  it('--cascade=orphan leaves the ReplicaSets without the ownerReference', async () => {
    await deploymentWithReplicaSets('or');
    const r = await k(['delete', 'deployment', 'or', '--cascade=orphan', '--timeout=60s']);
    expect(r.stdout).toBe('deployment.apps "or" deleted\n');
    expect((await k(['get', 'deployment', 'or'])).code).not.toBe(0);
    expect(await rsNames('or')).toEqual(['replicaset.apps/or-aaa', 'replicaset.apps/or-bbb']);
    expect((await k(['get', 'rs', 'or-aaa', '-o', 'jsonpath={.metadata.ownerReferences}'])).stdout).toBe('');
  }, 90_000);

  it('background (default): the ReplicaSets are collected after the Deployment', async () => {
    await deploymentWithReplicaSets('bg');
    expect((await k(['delete', 'deployment', 'bg'])).stdout).toBe('deployment.apps "bg" deleted\n');
    await until('the ReplicaSets collected', async () => (await rsNames('bg')).length === 0, 30_000, controller!.logs);
  }, 90_000);

  it('with Redis: a controller killed mid namespace deletion, a new one finishes it', async () => {
    await controller?.stop();
    controller = startController(etcd.endpoint, server.port, [`--redis-url=${redis.url}`]);
    expect((await k(['create', 'ns', 'r'])).code).toBe(0);
    expect((await k(['-n', 'r', 'create', 'configmap', 'c1'])).code).toBe(0);
    const held = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'r', finalizers: ['example.com/hold'] } };
    expect((await k(['apply', '-f', '-'], JSON.stringify(held))).code).toBe(0);
    expect((await k(['delete', 'ns', 'r', '--wait=false'])).code).toBe(0);
    await until('c1 deleted', async () => (await k(['-n', 'r', 'get', 'configmap', 'c1'])).stderr.includes('NotFound'), 30_000, controller.logs);
    await controller.stop('SIGKILL');
    expect((await k(['-n', 'r', 'patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code).toBe(0);
    // nobody runs the work now: the namespace stays
    await new Promise((r) => setTimeout(r, 1500));
    expect((await k(['get', 'ns', 'r', '-o', 'jsonpath={.status.phase}'])).stdout).toBe('Terminating');
    controller = startController(etcd.endpoint, server.port, [`--redis-url=${redis.url}`]);
    await until('namespace r gone', async () => (await k(['get', 'ns', 'r'])).stderr.includes('not found'), 45_000, controller.logs);
    expect((await etcdctlKeys(etcd.endpoint, '/registry/')).filter((key) => key.includes('/r/'))).toEqual([]);
  }, 120_000);
});
