/** The official Python client (Debian python3-kubernetes) against a replica: list, create, patch, watch, 404. */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
});

afterAll(async () => {
  await server?.stop();
});

const script = `
import json, sys
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
out = {}
out["namespaces"] = sorted(n.metadata.name for n in v1.list_namespace().items)
cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py", labels={"app": "py"}), data={"a": "1"})
created = v1.create_namespaced_config_map("default", cm)
out["created_rv"] = created.metadata.resource_version
v1.patch_namespaced_config_map("py", "default", {"data": {"a": "2"}})
w = watch.Watch()
seen = []
for ev in w.stream(v1.list_namespaced_config_map, "default", label_selector="app=py", resource_version=created.metadata.resource_version, timeout_seconds=2):
    seen.append([ev["type"], ev["object"].data["a"]])
out["watched"] = seen
try:
    v1.read_namespaced_config_map("missing", "default")
except ApiException as e:
    out["missing"] = [e.status, json.loads(e.body)["reason"]]
print(json.dumps(out))
`;

describe('python3-kubernetes', () => {
  it('lists, creates, patches, watches and gets a 404 Status', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('/usr/bin/python3', ['-c', script, server.kubeconfig], { timeout: 60_000 }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.namespaces).toEqual(expect.arrayContaining(['default', 'kube-node-lease', 'kube-public', 'kube-system']));
    expect(Number(out.created_rv)).toBeGreaterThan(0);
    expect(out.watched).toEqual([['MODIFIED', '2']]);
    expect(out.missing).toEqual([404, 'NotFound']);
  });
});
