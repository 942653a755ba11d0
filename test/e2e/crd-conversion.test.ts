/**
 * CRD Webhook conversion end to end with kubectl 1.32 over a real etcd: a CRD with v1 (storage,
 * `spec.hostPort`) and v2 (`spec.host` + `spec.port`) converted by the test webhook
 * (test/harness/conversion-webhook.ts) over TLS; created in one version and read in the other
 * (get, list, watch, patch), etcd holding the storage version, a second replica converting too,
 * and a webhook that fails or is down answering a Status error (not a hang).
 */
import { spawn } from 'node:child_process';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECTL_DIR } from '../harness/apiserver';
import { ConversionWebhookServer, startConversionWebhook } from '../harness/conversion-webhook';
import { customResource, useCrdCluster, waitUntil } from './crd-harness';

let hook: ConversionWebhookServer;

const cluster = useCrdCluster({
  // reachable on a non-loopback address too: Endpoints may not hold loopback IPs
  before: async () => void (hook = await startConversionWebhook({ dnsNames: ['conv-hook.default.svc'], host: '0.0.0.0' })),
  after: async () => await hook?.stop().catch(() => undefined),
  timeoutMs: 90_000,
});
const { k, kin } = cluster;
const V2 = 'backends.v2.conv.example.com';
/** a non-loopback IPv4 address of this host (the service reference's endpoint) */
const endpointIP = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
const V1 = 'backends.v1.conv.example.com';

const crd = (conversion: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backends.conv.example.com
spec:
  group: conv.example.com
  scope: Namespaced
  names:
    plural: backends
    singular: backend
    kind: Backend
  conversion:
${conversion}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              hostPort:
                type: string
    additionalPrinterColumns:
    - name: HostPort
      type: string
      jsonPath: .spec.hostPort
  - name: v2
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              host:
                type: string
              port:
                type: integer
    additionalPrinterColumns:
    - name: Host
      type: string
      jsonPath: .spec.host
    - name: Port
      type: integer
      jsonPath: .spec.port
`;

const webhookConversion = () => `    strategy: Webhook
    webhook:
      conversionReviewVersions: ["v1", "v1beta1"]
      clientConfig:
        url: ${hook.url}
        caBundle: ${hook.caBundle}`;

const backend = (name: string, apiVersion: string, spec: string) => customResource(apiVersion, 'Backend', name, spec);

async function stored(name: string): Promise<Record<string, unknown>> {
  const raw = await cluster.etcd.get(`/registry/conv.example.com/backends/default/${name}`).string();
  return JSON.parse(raw ?? 'null') as Record<string, unknown>;
}

/** `kubectl get --raw <watch path>` until the server ends the watch; resolves to the events */
function rawWatch(path: string): Promise<{ type: string; object: Record<string, unknown> }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(KUBECTL_DIR, 'kubectl.1.32'), [`--kubeconfig=${cluster.server.kubeconfig}`, 'get', '--raw', path], {
      env: { ...process.env, HOME: tmpdir() },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(t);
      resolve(
        out
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l)),
      );
    });
  });
}

describe('CRD Webhook conversion', () => {
  it('rejects invalid conversion settings with upstream messages', async () => {
    const none = await kin(crd('    strategy: Webhook'), 'create', '-f', '-');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook');
    expect(none.stderr).toContain('spec.conversion.conversionReviewVersions: Required value');
    const badVersions = await kin(crd(webhookConversion().replace('["v1", "v1beta1"]', '["v3"]')), 'create', '-f', '-');
    expect(badVersions.stderr).toContain('spec.conversion.conversionReviewVersions: Invalid value: []string{"v3"}: must include at least one of v1, v1beta1');
    const forbidden = await kin(crd(webhookConversion().replace('strategy: Webhook', 'strategy: None')), 'create', '-f', '-');
    expect(forbidden.stderr).toContain('spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook');
  }, 60_000);

  it('creates the CRD with Webhook conversion', async () => {
    const r = await kin(crd(webhookConversion()), 'create', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    const w = await k('wait', '--for=condition=Established', 'crd/backends.conv.example.com', '--timeout=20s');
    expect(w.code, w.stderr).toBe(0);
    await waitUntil('v2 to be served', 10_000, async () => (await cluster.server.request('GET', '/apis/conv.example.com/v2/namespaces/default/backends')).status === 200);
  }, 60_000);

  it('creates in v1 (the storage version) and reads in v2', async () => {
    const c = await kin(backend('db', 'conv.example.com/v1', '  hostPort: db.local:5432'), 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const before = hook.requests.length;
    const got = JSON.parse((await k('get', V2, 'db', '-o', 'json')).stdout);
    expect(got.apiVersion).toBe('conv.example.com/v2');
    expect(got.spec).toEqual({ host: 'db.local', port: 5432 });
    const raw = JSON.parse((await k('get', '--raw', '/apis/conv.example.com/v2/namespaces/default/backends/db')).stdout);
    expect(raw.spec).toEqual({ host: 'db.local', port: 5432 });
    const req = hook.requests[before];
    expect(req.reviewVersion).toBe('apiextensions.k8s.io/v1');
    expect(req.desiredAPIVersion).toBe('conv.example.com/v2');
    expect(req.objects.map((o) => o.apiVersion)).toEqual(['conv.example.com/v1']);
    // reading the storage version needs no webhook
    const n = hook.requests.length;
    expect(JSON.parse((await k('get', V1, 'db', '-o', 'json')).stdout).spec).toEqual({ hostPort: 'db.local:5432' });
    expect(hook.requests.length).toBe(n);
  }, 60_000);

  it('creates in v2 and reads in v1; etcd holds the storage version', async () => {
    const c = await kin(backend('web', 'conv.example.com/v2', '  host: web.local\n  port: 8080'), 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim()).toBe('backend.conv.example.com/web created');
    const got = JSON.parse((await k('get', V1, 'web', '-o', 'json')).stdout);
    expect(got.apiVersion).toBe('conv.example.com/v1');
    expect(got.spec).toEqual({ hostPort: 'web.local:8080' });
    for (const name of ['db', 'web']) {
      const s = await stored(name);
      expect(s.apiVersion).toBe('conv.example.com/v1');
      expect(Object.keys(s.spec as object)).toEqual(['hostPort']);
    }
  }, 60_000);

  it('lists in v2 with one ConversionReview, and prints the v2 columns', async () => {
    const before = hook.requests.length;
    const list = JSON.parse((await k('get', V2, '-o', 'json')).stdout);
    expect(list.items.map((i: { apiVersion: string; spec: unknown }) => [i.apiVersion, i.spec])).toEqual([
      ['conv.example.com/v2', { host: 'db.local', port: 5432 }],
      ['conv.example.com/v2', { host: 'web.local', port: 8080 }],
    ]);
    const reviews = hook.requests.slice(before);
    expect(reviews).toHaveLength(1);
    expect(reviews[0].objects).toHaveLength(2);
    const table = await k('get', V2);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+HOST\s+PORT\n/);
    expect(table.stdout).toMatch(/db\s+db\.local\s+5432/);
  }, 60_000);

  it('patches in v2 and watches in v2', async () => {
    const watching = rawWatch('/apis/conv.example.com/v2/namespaces/default/backends?watch=true&timeoutSeconds=4');
    await new Promise((r) => setTimeout(r, 1500));
    const p = await k('patch', V2, 'db', '--type=merge', '-p', '{"spec":{"port":6543}}');
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse((await k('get', V1, 'db', '-o', 'json')).stdout).spec).toEqual({ hostPort: 'db.local:6543' });
    const events = await watching;
    expect(events.filter((e) => e.type === 'ADDED').map((e) => (e.object.metadata as { name: string }).name)).toEqual(['db', 'web']);
    const modified = events.find((e) => e.type === 'MODIFIED');
    expect(modified?.object.apiVersion).toBe('conv.example.com/v2');
    expect(modified?.object.spec).toEqual({ host: 'db.local', port: 6543 });
  }, 60_000);

  it('deletes in v2', async () => {
    const c = await kin(backend('tmp', 'conv.example.com/v2', '  host: tmp\n  port: 1'), 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const d = await k('delete', V2, 'tmp');
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout.trim()).toBe('backend.conv.example.com "tmp" deleted');
    expect(await cluster.etcd.get('/registry/conv.example.com/backends/default/tmp').string()).toBeNull();
  }, 60_000);

  it('converts on a second replica too', async () => {
    const replica = await cluster.startReplica({ host: '127.0.0.2' });
    await waitUntil('the replica to serve v2', 10_000, async () => (await replica.request('GET', '/apis/conv.example.com/v2/namespaces/default/backends/web')).status === 200);
    const r = await replica.request('GET', '/apis/conv.example.com/v2/namespaces/default/backends/web');
    expect(r.json<{ spec: unknown }>().spec).toEqual({ host: 'web.local', port: 8080 });
  }, 90_000);

  it.skipIf(!endpointIP)('calls a webhook behind a service reference', async () => {
    const svc = await kin(
      `apiVersion: v1
kind: Service
metadata: {name: conv-hook, namespace: default}
spec:
  ports: [{port: 443, targetPort: ${hook.port}}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: conv-hook, namespace: default}
subsets:
- addresses: [{ip: ${endpointIP}}]
  ports: [{port: ${hook.port}}]
`,
      'create',
      '-f',
      '-',
    );
    expect(svc.code, svc.stderr).toBe(0);
    const toService = JSON.stringify({
      spec: { conversion: { webhook: { clientConfig: { url: null, service: { namespace: 'default', name: 'conv-hook', path: '/convert-svc' } } } } },
    });
    const p = await k('patch', 'crd', 'backends.conv.example.com', '--type=merge', '-p', toService);
    expect(p.code, p.stderr).toBe(0);
    const cc = JSON.parse((await k('get', 'crd', 'backends.conv.example.com', '-o', 'jsonpath={.spec.conversion.webhook.clientConfig}')).stdout);
    expect(cc.service).toEqual({ namespace: 'default', name: 'conv-hook', path: '/convert-svc', port: 443 });
    await waitUntil('a review through the service', 10_000, async () => {
      const r = await k('get', V2, 'web', '-o', 'jsonpath={.spec.host}');
      return r.stdout === 'web.local' && hook.requests.at(-1)?.path === '/convert-svc';
    });
    const back = JSON.stringify({ spec: { conversion: { webhook: { clientConfig: { service: null, url: hook.url } } } } });
    expect((await k('patch', 'crd', 'backends.conv.example.com', '--type=merge', '-p', back)).code).toBe(0);
    await waitUntil('reviews through the url again', 10_000, async () => {
      await k('get', V2, 'web');
      return hook.requests.at(-1)?.path === '/convert';
    });
  }, 60_000);

  it('a failing webhook is a Status error', async () => {
    hook.mode = 'fail';
    try {
      const r = await k('get', V2, 'db');
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim()).toBe('Error from server: conversion webhook for conv.example.com/v1, Kind=Backend failed: the test webhook refuses to convert');
      hook.mode = 'wrong-uid';
      const u = await cluster.server.request('GET', '/apis/conv.example.com/v2/namespaces/default/backends/db');
      expect(u.status).toBe(500);
      expect(u.json<{ message: string }>().message).toMatch(/^conversion webhook for conv\.example\.com\/v1, Kind=Backend failed: expected response\.uid="[0-9a-f-]+", got "not-the-uid"$/);
    } finally {
      hook.mode = 'ok';
    }
  }, 60_000);

  it('a webhook that is down answers 500 at once, not a hang', async () => {
    await hook.stop();
    const start = Date.now();
    const r = await cluster.server.request('GET', '/apis/conv.example.com/v2/namespaces/default/backends/db');
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(r.status).toBe(500);
    expect(r.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `conversion webhook for conv.example.com/v1, Kind=Backend failed: Post "${hook.url}": dial tcp 127.0.0.1:${hook.port}: connect: connection refused`,
      code: 500,
    });
    const list = await k('get', V2);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('Error from server: conversion webhook for conv.example.com/v1, Kind=Backend failed: Post');
    const create = await kin(backend('late', 'conv.example.com/v2', '  host: late\n  port: 1'), 'create', '-f', '-');
    expect(create.code).not.toBe(0);
    expect(create.stderr).toContain('conversion webhook for conv.example.com/v2, Kind=Backend failed: Post');
    // the storage version is still served
    const v1 = await k('get', V1, 'db', '-o', 'jsonpath={.spec.hostPort}');
    expect(v1.stdout).toBe('db.local:6543');
  }, 60_000);
});
