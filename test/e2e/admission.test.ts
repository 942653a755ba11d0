/**
 * The admission chain through kubectl 1.32: ServiceAccount (default account, projected token
 * volume in `kubectl get pod -o yaml`), LimitRanger defaults, PodSecurity restricted enforce
 * (403 with upstream's message) and warn (Warning printed by kubectl), NamespaceLifecycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

beforeAll(async () => {
  server = await startApiserver();
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

async function waitFor(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('admission chain with kubectl 1.32', () => {
  it('ServiceAccount: default account and kube-root-ca.crt per namespace, token volume mounted', async () => {
    expect((await k('create', 'ns', 'adm-sa')).code).toBe(0);
    await waitFor(async () => (await k('get', 'sa/default', 'cm/kube-root-ca.crt', '-n', 'adm-sa')).code === 0);
    expect((await k('run', 'web', '--image=nginx', '-n', 'adm-sa')).stdout).toContain('pod/web created');
    const yaml = (await k('get', 'pod', 'web', '-n', 'adm-sa', '-o', 'yaml')).stdout;
    expect(yaml).toContain('serviceAccountName: default');
    expect(yaml).toMatch(/- mountPath: \/var\/run\/secrets\/kubernetes.io\/serviceaccount\n\s+name: kube-api-access-[a-z0-9]{5}\n\s+readOnly: true/);
    expect(yaml).toContain('expirationSeconds: 3607');
    expect(yaml).toContain('name: kube-root-ca.crt');
    expect(yaml).toContain('fieldPath: metadata.namespace');
    const missing = await kin(
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'nginx' }] } }),
      'create', '-n', 'adm-sa', '-f', '-',
    );
    expect(missing.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": pods "ghost" is forbidden: error looking up service account adm-sa/ghost: serviceaccount "ghost" not found');
  }, 60_000);

  it('LimitRanger: container defaults applied', async () => {
    expect((await k('create', 'ns', 'adm-lr')).code).toBe(0);
    const lr = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    default: {cpu: 500m, memory: 128Mi}\n    defaultRequest: {cpu: 100m}\n    max: {cpu: "1"}\n';
    expect((await kin(lr, 'apply', '-n', 'adm-lr', '-f', '-')).code).toBe(0);
    await waitFor(async () => (await k('get', 'sa/default', '-n', 'adm-lr')).code === 0);
    expect((await k('run', 'lr', '--image=nginx', '-n', 'adm-lr')).code).toBe(0);
    const res = (await k('get', 'pod', 'lr', '-n', 'adm-lr', '-o', 'jsonpath={.spec.containers[0].resources}')).stdout;
    expect(JSON.parse(res)).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    const big = await k('run', 'big', '--image=nginx', '-n', 'adm-lr', '--overrides={"spec":{"containers":[{"name":"big","image":"nginx","resources":{"limits":{"cpu":"2"}}}]}}');
    expect(big.stderr).toContain('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  }, 60_000);

  it('PodSecurity: restricted enforce rejects, warn warns', async () => {
    expect((await k('create', 'ns', 'adm-ps')).code).toBe(0);
    expect((await k('label', 'ns', 'adm-ps', 'pod-security.kubernetes.io/enforce=restricted')).code).toBe(0);
    const denied = await k('run', 'nginx', '--image=nginx', '-n', 'adm-ps');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): pods "nginx" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect((await k('create', 'ns', 'adm-pw')).code).toBe(0);
    expect((await k('label', 'ns', 'adm-pw', 'pod-security.kubernetes.io/warn=baseline')).code).toBe(0);
    await waitFor(async () => (await k('get', 'sa/default', '-n', 'adm-pw')).code === 0);
    const warned = await k('run', 'priv', '--image=nginx', '-n', 'adm-pw', '--privileged');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: would violate PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)');
  }, 60_000);

  it('NamespaceLifecycle: system namespaces cannot be deleted, missing namespaces reject creates', async () => {
    const del = await k('delete', 'ns', 'kube-system');
    expect(del.stderr).toContain('Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted');
    const cm = await k('create', 'configmap', 'x', '-n', 'nope');
    expect(cm.stderr).toContain('namespaces "nope" not found');
  }, 30_000);
});
