/**
 * Issue 3 acceptance: a corpus of real-world manifests (fixtures/corpus/webapp.yaml: a web app with
 * Deployment, Service, Ingress, HPA v2, PDB, ConfigMap, Secret, ServiceAccount, a StatefulSet with
 * claim templates, a CronJob, a NetworkPolicy, Role + RoleBinding) applied with kubectl 1.32 client-side
 * into one namespace and server-side into another, every object read back with `kubectl get -o json`
 * and compared with fixtures/corpus/expected.yaml (the defaults kube-apiserver 1.32 fills in, by hand).
 * Also `kubectl explain` for the three fields the issue names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

type Obj = Record<string, unknown>;
let server: ApiserverInstance;
const dir = join(__dirname, 'fixtures', 'corpus');
const manifests = readFileSync(join(dir, 'webapp.yaml'), 'utf8');
const expected = parseAllDocuments(readFileSync(join(dir, 'expected.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** `creationTimestamp: null` that Go prints in embedded ObjectMeta carries nothing: drop it anywhere */
function dropNullTimestamps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNullTimestamps);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [key, val] of Object.entries(v as Obj)) {
      if (key === 'creationTimestamp' && val === null) continue;
      out[key] = dropNullTimestamps(val);
    }
    return out;
  }
  return v;
}

/** the compared part of an object: no server-assigned values */
function project(o: Obj): Obj {
  const md = (o.metadata ?? {}) as Obj;
  const annotations = { ...((md.annotations ?? {}) as Record<string, string>) };
  delete annotations[LAST_APPLIED];
  const out: Obj = { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: md.name } };
  if (md.labels) (out.metadata as Obj).labels = md.labels;
  if (Object.keys(annotations).length) (out.metadata as Obj).annotations = annotations;
  for (const f of ['spec', 'data', 'stringData', 'binaryData', 'type', 'rules', 'roleRef', 'subjects', 'immutable']) {
    if (o[f] !== undefined) out[f] = o[f];
  }
  if (o.kind === 'Service') {
    const spec = { ...(out.spec as Obj) };
    delete spec.clusterIP;
    delete spec.clusterIPs;
    out.spec = spec;
  }
  return dropNullTimestamps(out) as Obj;
}

const resourceOf = (o: Obj): string => {
  const [group, version] = String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/') : ['', String(o.apiVersion)];
  const kind = String(o.kind).toLowerCase();
  return group ? `${kind}.${version}.${group}` : kind;
};

beforeAll(async () => {
  server = await startApiserver();
  for (const ns of ['corpus-csa', 'corpus-ssa']) {
    const r = await k('create', 'namespace', ns);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function readBack(ns: string): Promise<Obj[]> {
  const got: Obj[] = [];
  for (const want of expected) {
    const name = String((want.metadata as Obj).name);
    const r = await k('get', resourceOf(want), name, '-n', ns, '-o', 'json');
    expect(r.code, `${want.kind}/${name}: ${r.stderr}`).toBe(0);
    got.push(JSON.parse(r.stdout) as Obj);
  }
  return got;
}

describe('a real-world manifest corpus with kubectl 1.32', () => {
  it('kubectl apply (client-side) stores every object with the upstream defaults', async () => {
    const r = await kin(manifests, 'apply', '-n', 'corpus-csa', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(expected.length);
    expect(r.stdout).toContain('deployment.apps/shop-web created');
    const got = await readBack('corpus-csa');
    for (let i = 0; i < expected.length; i++) {
      expect(project(got[i]), `${expected[i].kind}`).toEqual(expected[i]);
      const ann = ((got[i].metadata as Obj).annotations ?? {}) as Obj;
      expect(ann[LAST_APPLIED], `${expected[i].kind} last-applied`).toBeTypeOf('string');
    }
    // a second apply: kubectl's three-way patch is empty except where upstream's is not either —
    // stringData never reads back, and atomic lists (claim templates, NetworkPolicy rules, RoleBinding
    // subjects) differ from the manifest by their defaults; the patches change nothing stored
    const before = got.map((o) => `${o.kind}/${(o.metadata as Obj).resourceVersion}`);
    const again = await kin(manifests, 'apply', '-n', 'corpus-csa', '-f', '-');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').filter((l) => !l.endsWith(' unchanged'))).toEqual([
      'secret/shop-db configured',
      'statefulset.apps/shop-db configured',
      'networkpolicy.networking.k8s.io/shop-db configured',
      'rolebinding.rbac.authorization.k8s.io/shop-reader configured',
    ]);
    const after = (await readBack('corpus-csa')).map((o) => `${o.kind}/${(o.metadata as Obj).resourceVersion}`);
    expect(after).toEqual(before);
  });

  it('kubectl apply --server-side stores the same objects', async () => {
    const r = await kin(manifests, 'apply', '--server-side', '-n', 'corpus-ssa', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').every((l) => l.endsWith(' serverside-applied')), r.stdout).toBe(true);
    const got = await readBack('corpus-ssa');
    for (let i = 0; i < expected.length; i++) {
      expect(project(got[i]), `${expected[i].kind}`).toEqual(expected[i]);
      const md = got[i].metadata as Obj;
      expect(((md.annotations ?? {}) as Obj)[LAST_APPLIED]).toBeUndefined();
    }
    // server-side apply again: nothing changes (same resourceVersions)
    const before = got.map((o) => (o.metadata as Obj).resourceVersion);
    const again = await kin(manifests, 'apply', '--server-side', '-n', 'corpus-ssa', '-f', '-');
    expect(again.code, again.stderr).toBe(0);
    const after = (await readBack('corpus-ssa')).map((o) => `${o.kind}/${(o.metadata as Obj).resourceVersion}`);
    expect(after).toEqual(got.map((o, i) => `${o.kind}/${before[i]}`));
  });

  it('kubectl explain describes the fields the issue names', async () => {
    const res = await k('explain', 'pods.spec.containers.resources');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^KIND:\s+Pod$/m);
    expect(res.stdout).toMatch(/^FIELD:\s+resources <ResourceRequirements>$/m);
    expect(res.stdout).toMatch(/^\s+limits\s+<map\[string\]string>$/m);
    expect(res.stdout).toMatch(/^\s+requests\s+<map\[string\]string>$/m);
    const strategy = await k('explain', 'deployments.spec.strategy');
    expect(strategy.code, strategy.stderr).toBe(0);
    expect(strategy.stdout).toMatch(/^GROUP:\s+apps$/m);
    expect(strategy.stdout).toMatch(/^FIELD:\s+strategy <DeploymentStrategy>$/m);
    expect(strategy.stdout).toMatch(/^\s+rollingUpdate\s+<RollingUpdateDeployment>$/m);
    expect(strategy.stdout).toMatch(/^\s+type\s+<string>$/m);
    const behavior = await k('explain', 'hpa.spec.behavior', '--api-version=autoscaling/v2');
    expect(behavior.code, behavior.stderr).toBe(0);
    expect(behavior.stdout).toMatch(/^VERSION:\s+v2$/m);
    expect(behavior.stdout).toMatch(/^FIELD:\s+behavior <HorizontalPodAutoscalerBehavior>$/m);
    expect(behavior.stdout).toMatch(/^\s+scaleDown\s+<HPAScalingRules>$/m);
    expect(behavior.stdout).toMatch(/^\s+scaleUp\s+<HPAScalingRules>$/m);
  });
});
