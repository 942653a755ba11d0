/**
 * Encryption at rest end to end: a replica started with --encryption-provider-config (aescbc)
 * stores Secrets as `k8s:enc:aescbc:v1:key1:` + ciphertext (checked with etcdctl), other resources
 * as JSON; a key rotation (key2 first, key1 still listed) keeps old Secrets readable, and
 * `kubectl get secrets -A -o json | kubectl replace -f -` rewrites them with key2, after which key1
 * can be dropped.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { startWatchCache } from '../harness/watch-cache';

const KEY1 = Buffer.alloc(32, 0x11).toString('base64');
const KEY2 = Buffer.alloc(32, 0x22).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'kubernest-enc-'));

function writeConfig(name: string, keys: Array<[string, string]>): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
${keys.map(([n, s]) => `            - name: ${n}\n              secret: ${s}`).join('\n')}
      - identity: {}
`,
  );
  return file;
}

function etcdctlGet(endpoint: string, key: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('etcdctl', [`--endpoints=${endpoint}`, 'get', key, '--print-value-only'], { encoding: 'buffer', env: { ...process.env, ETCDCTL_API: '3' } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

let etcd: EtcdInstance;
let certDir: string;
let server: ApiserverInstance | undefined;

async function start(config: string): Promise<ApiserverInstance> {
  await server?.stop();
  server = await startApiserver({ etcd, certDir, extraArgs: [`--encryption-provider-config=${config}`] });
  return server;
}

beforeAll(async () => {
  etcd = await startEtcd();
  certDir = mkdtempSync(join(tmpdir(), 'kubernest-enc-certs-'));
});

afterAll(async () => {
  await server?.stop();
  await etcd?.stop();
});

describe('encryption at rest', () => {
  it('stores Secrets with the aescbc prefix, reads them back, leaves other resources as JSON', async () => {
    const s = await start(writeConfig('one.yaml', [['key1', KEY1]]));
    let r = await kubectl('1.32', s.kubeconfig, ['create', 'secret', 'generic', 'x', '--from-literal=password=topsecret']);
    expect(r.code, r.stderr).toBe(0);
    r = await kubectl('1.32', s.kubeconfig, ['create', 'configmap', 'plain', '--from-literal=a=visible']);
    expect(r.code, r.stderr).toBe(0);
    const raw = await etcdctlGet(etcd.endpoint, '/registry/secrets/default/x');
    expect(raw.subarray(0, 23).toString('latin1')).toBe('k8s:enc:aescbc:v1:key1:');
    expect(raw.includes(Buffer.from('topsecret'))).toBe(false);
    expect(raw.includes(Buffer.from(Buffer.from('topsecret').toString('base64')))).toBe(false);
    expect((await etcdctlGet(etcd.endpoint, '/registry/configmaps/default/plain')).toString()).toContain('"visible"');
    r = await kubectl('1.32', s.kubeconfig, ['get', 'secret', 'x', '-o', 'jsonpath={.data.password}']);
    expect(Buffer.from(r.stdout, 'base64').toString()).toBe('topsecret');
    // list and watch-backed reads decrypt as well
    r = await kubectl('1.32', s.kubeconfig, ['get', 'secrets', '-A', '-o', 'name']);
    expect(r.stdout).toContain('secret/x');
    const metrics = await s.request('GET', '/metrics');
    expect(metrics.body).toMatch(/apiserver_storage_transformation_operations_total\{transformation_type="to_storage",transformer_prefix="k8s:enc:aescbc:v1:",status="OK"\} [1-9]/);
    expect(metrics.body).toMatch(/apiserver_storage_transformation_operations_total\{transformation_type="from_storage",transformer_prefix="k8s:enc:aescbc:v1:",status="OK"\} [1-9]/);
  });

  it('key rotation: key2 first keeps key1 Secrets readable; replace rewrites them; key1 can then go', async () => {
    let s = await start(writeConfig('rotate.yaml', [['key2', KEY2], ['key1', KEY1]]));
    let r = await kubectl('1.32', s.kubeconfig, ['get', 'secret', 'x', '-o', 'jsonpath={.data.password}']);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.from(r.stdout, 'base64').toString()).toBe('topsecret');
    r = await kubectl('1.32', s.kubeconfig, ['create', 'secret', 'generic', 'y', '--from-literal=k=v']);
    expect(r.code, r.stderr).toBe(0);
    expect((await etcdctlGet(etcd.endpoint, '/registry/secrets/default/y')).subarray(0, 23).toString('latin1')).toBe('k8s:enc:aescbc:v1:key2:');
    expect((await etcdctlGet(etcd.endpoint, '/registry/secrets/default/x')).subarray(0, 23).toString('latin1')).toBe('k8s:enc:aescbc:v1:key1:');

    const all = await kubectl('1.32', s.kubeconfig, ['get', 'secrets', '-A', '-o', 'json']);
    expect(all.code, all.stderr).toBe(0);
    r = await kubectl('1.32', s.kubeconfig, ['replace', '-f', '-'], all.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect((await etcdctlGet(etcd.endpoint, '/registry/secrets/default/x')).subarray(0, 23).toString('latin1')).toBe('k8s:enc:aescbc:v1:key2:');

    s = await start(writeConfig('only2.yaml', [['key2', KEY2]]));
    r = await kubectl('1.32', s.kubeconfig, ['get', 'secret', 'x', '-o', 'jsonpath={.data.password}']);
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.from(r.stdout, 'base64').toString()).toBe('topsecret');
  });

  it('a watch-cache given the same configuration serves decrypted lists and watches to the replicas', async () => {
    // key2 too: the Secrets of the rotation test above are stored with it
    const config = writeConfig('cache.yaml', [['key1', KEY1], ['key2', KEY2]]);
    const cache = await startWatchCache(etcd, [`--encryption-provider-config=${config}`]);
    try {
      await server?.stop();
      server = await startApiserver({ etcd, certDir, extraArgs: [`--encryption-provider-config=${config}`, `--watch-cache-servers=${cache.address}`] });
      const s = server;
      let r = await kubectl('1.32', s.kubeconfig, ['create', 'secret', 'generic', 'cached', '--from-literal=k=through-the-cache']);
      expect(r.code, r.stderr).toBe(0);
      expect((await etcdctlGet(etcd.endpoint, '/registry/secrets/default/cached')).subarray(0, 23).toString('latin1')).toBe('k8s:enc:aescbc:v1:key1:');
      // a list at resourceVersion 0 is answered from the watch cache
      const list = await s.request('GET', '/api/v1/namespaces/default/secrets?resourceVersion=0');
      expect(list.status, `${list.body}\n${cache.logs?.() ?? ''}`).toBe(200);
      const items = (list.json().items as { metadata: { name: string }; data?: Record<string, string> }[]).filter((i) => i.metadata.name === 'cached');
      expect(Buffer.from(items[0]?.data?.k ?? '', 'base64').toString()).toBe('through-the-cache');
      r = await kubectl('1.32', s.kubeconfig, ['get', 'secret', 'cached', '-o', 'jsonpath={.data.k}']);
      expect(Buffer.from(r.stdout, 'base64').toString()).toBe('through-the-cache');
    } finally {
      await server?.stop();
      server = undefined;
      await cache.stop();
    }
  });

  it('a bad configuration stops the server with a clear message', async () => {
    await server?.stop();
    server = undefined;
    const bad = join(dir, 'kms.yaml');
    writeFileSync(bad, 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: [{kms: {name: x}}]\n');
    await expect(startApiserver({ etcd, certDir, extraArgs: [`--encryption-provider-config=${bad}`] })).rejects.toThrow(/encryption-provider-config.*kms.*unsupported/);
  });
});
