/**
 * Admission webhooks and ValidatingAdmissionPolicy end to end with kubectl 1.32 over etcd: a test
 * webhook server (HTTPS, its own CA from libs/pki) with a mutating webhook adding a label and a
 * validating webhook denying, namespaceSelector, failurePolicy Fail and Ignore against a webhook
 * that is down, matchPolicy Equivalent (an autoscaling/v1 webhook and a v2 HorizontalPodAutoscaler),
 * dryRun vs sideEffects, and a policy denying Deployments with more than 5 replicas.
 */
import { createServer, Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../libs/pki/src';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { freePort } from '../harness/ports';

let server: ApiserverInstance;
let hook: Server;
let hookPort: number;
let downPort: number;
let caBundle: string;
const seen: { path: string; request: Record<string, unknown> }[] = [];

const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

type Review = { request: { uid: string; object?: { metadata?: { labels?: Record<string, string> } } } };

function respond(path: string, review: Review): Record<string, unknown> {
  const { uid, object } = review.request;
  if (path.startsWith('/mutate')) {
    const labels = object?.metadata?.labels;
    const patch = labels ? [{ op: 'add', path: '/metadata/labels/webhook-added', value: 'true' }] : [{ op: 'add', path: '/metadata/labels', value: { 'webhook-added': 'true' } }];
    return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'), warnings: ['mutated by the test webhook'] };
  }
  if (object?.metadata?.labels?.deny === 'true') return { uid, allowed: false, status: { code: 403, message: 'label deny=true is not allowed' } };
  return { uid, allowed: true };
}

beforeAll(async () => {
  const ca = await createCA({ commonName: 'webhook-ca' });
  const cert = await issueCert(ca, { commonName: 'webhook', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server' });
  caBundle = Buffer.from(ca.certPem).toString('base64');
  hookPort = await freePort();
  downPort = await freePort();
  hook = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      seen.push({ path: req.url ?? '', request: review.request as unknown as Record<string, unknown> });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: respond(req.url ?? '', review) }));
    });
  });
  await new Promise<void>((r) => hook.listen(hookPort, '127.0.0.1', r));
  server = await startApiserver();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((r) => hook?.close(r));
});

const webhookConfig = (kind: 'Mutating' | 'Validating', name: string, path: string, extra: string, port = hookPort) => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata:
  name: ${name}
webhooks:
- name: ${name}.example.com
  admissionReviewVersions: ["v1"]
  sideEffects: None
  timeoutSeconds: 5
  clientConfig:
    url: https://127.0.0.1:${port}${path}
    caBundle: ${caBundle}
  rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["configmaps"]
${extra}`;

const nsSelector = (value: string) => `  namespaceSelector:
    matchLabels:
      webhooks: "${value}"
`;

const configMap = (name: string, ns: string, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { k: 'v' } });

/** retries `fn` until it returns true (configurations reach the informers through a watch) */
async function eventually(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('admission webhooks', () => {
  it('sets up namespaces', async () => {
    for (const [ns, label] of [['wh-on', 'on'], ['wh-off', ''], ['wh-fail', 'fail'], ['wh-ignore', 'ignore']]) {
      const r = await k('create', 'namespace', ns);
      expect(r.code, r.stderr).toBe(0);
      if (label) expect((await k('label', 'namespace', ns, `webhooks=${label}`)).code).toBe(0);
    }
  });

  it('a mutating webhook adds a label, only in namespaces its namespaceSelector matches', async () => {
    const c = await kin(webhookConfig('Mutating', 'label-adder', '/mutate', nsSelector('on')), 'create', '-f', '-');
    expect(c.stdout.trim(), c.stderr).toBe('mutatingwebhookconfiguration.admissionregistration.k8s.io/label-adder created');
    let i = 0;
    await eventually(async () => {
      const name = `probe${i++}`;
      const r = await kin(configMap(name, 'wh-on'), 'create', '-f', '-');
      expect(r.code, r.stderr).toBe(0);
      const got = await k('get', 'cm', name, '-n', 'wh-on', '-o', 'jsonpath={.metadata.labels.webhook-added}');
      return got.stdout === 'true';
    });
    const r = await kin(configMap('warned', 'wh-on'), 'create', '-f', '-');
    expect(r.stderr).toContain('Warning: mutated by the test webhook');
    const off = await kin(configMap('plain', 'wh-off'), 'create', '-f', '-');
    expect(off.code, off.stderr).toBe(0);
    const got = await k('get', 'cm', 'plain', '-n', 'wh-off', '-o', 'jsonpath={.metadata.labels}');
    expect(got.stdout).not.toContain('webhook-added');
    const req = seen.find((s) => s.path.startsWith('/mutate'))!.request;
    expect(req).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      namespace: 'wh-on',
      operation: 'CREATE',
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    });
    expect((req.userInfo as { username: string }).username).toBeTruthy();
    expect(seen[0].path).toMatch(/\?timeout=5s$/);
  });

  it('a validating webhook denies with its message and code', async () => {
    const c = await kin(webhookConfig('Validating', 'denier', '/validate', nsSelector('on')), 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    let i = 0;
    await eventually(async () => {
      const r = await kin(configMap(`bad${i++}`, 'wh-on', { deny: 'true' }), 'create', '-f', '-');
      return r.code !== 0;
    });
    const r = await kin(configMap('bad-final', 'wh-on', { deny: 'true' }), 'create', '-f', '-');
    expect(r.stderr).toContain('admission webhook "denier.example.com" denied the request: label deny=true is not allowed');
    const raw = await server.request('POST', '/api/v1/namespaces/wh-on/configmaps', { body: configMap('bad-raw', 'wh-on', { deny: 'true' }) });
    expect(raw.status).toBe(403);
    expect(raw.json()).toMatchObject({ kind: 'Status', status: 'Failure', code: 403, message: 'admission webhook "denier.example.com" denied the request: label deny=true is not allowed' });
    const ok = await kin(configMap('good', 'wh-on', { deny: 'false' }), 'create', '-f', '-');
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('failurePolicy Fail rejects and Ignore admits when the webhook is down', async () => {
    const fail = await kin(webhookConfig('Validating', 'down-fail', '/x', nsSelector('fail') + '  failurePolicy: Fail\n', downPort), 'create', '-f', '-');
    expect(fail.code, fail.stderr).toBe(0);
    const ign = await kin(webhookConfig('Validating', 'down-ignore', '/x', nsSelector('ignore') + '  failurePolicy: Ignore\n', downPort), 'create', '-f', '-');
    expect(ign.code, ign.stderr).toBe(0);
    let i = 0;
    await eventually(async () => (await kin(configMap(`f${i++}`, 'wh-fail'), 'create', '-f', '-')).code !== 0);
    const raw = await server.request('POST', '/api/v1/namespaces/wh-fail/configmaps', { body: configMap('f-raw', 'wh-fail') });
    expect(raw.status).toBe(500);
    expect(raw.json<{ message: string }>().message).toBe(
      `Internal error occurred: failed calling webhook "down-fail.example.com": failed to call webhook: Post "https://127.0.0.1:${downPort}/x?timeout=5s": dial tcp 127.0.0.1:${downPort}: connect: connection refused`,
    );
    const r = await kin(configMap('i1', 'wh-ignore'), 'create', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
  });

  it('matchPolicy Equivalent: a webhook for autoscaling/v1 sees a v2 HorizontalPodAutoscaler in v1 and its patch lands', async () => {
    const rules = `  rules:
  - operations: ["CREATE"]
    apiGroups: ["autoscaling"]
    apiVersions: ["v1"]
    resources: ["horizontalpodautoscalers"]
`;
    const cfg = webhookConfig('Mutating', 'hpa-v1', '/mutate', '').replace(/  rules:\n[\s\S]*$/, rules);
    const c = await kin(cfg, 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const hpa = (name: string) =>
      JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: 'wh-off' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] },
      });
    let i = 0;
    let name = '';
    await eventually(async () => {
      name = `hpa${i++}`;
      const r = await kin(hpa(name), 'create', '-f', '-');
      expect(r.code, r.stderr).toBe(0);
      return (await k('get', 'hpa.v2.autoscaling', name, '-n', 'wh-off', '-o', 'jsonpath={.metadata.labels.webhook-added}')).stdout === 'true';
    });
    const stored = await k('get', 'hpa.v2.autoscaling', name, '-n', 'wh-off', '-o', 'jsonpath={.spec.metrics[0].resource.target.averageUtilization}');
    expect(stored.stdout).toBe('60');
    const req = seen.filter((s) => (s.request.requestKind as { group: string }).group === 'autoscaling').pop()!.request;
    expect(req).toMatchObject({
      kind: { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
      resource: { group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers' },
      requestKind: { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
      requestResource: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
      object: { apiVersion: 'autoscaling/v1', spec: { maxReplicas: 4, targetCPUUtilizationPercentage: 60 } },
    });
  });

  it('dry-run requests reach webhooks declaring sideEffects None (v1 refuses Some)', async () => {
    const cfg = webhookConfig('Validating', 'side-effects', '/validate', nsSelector('on')).replace('sideEffects: None', 'sideEffects: Some');
    // sideEffects Some is not allowed in v1: the configuration itself is rejected
    const c = await kin(cfg, 'create', '-f', '-');
    expect(c.code).not.toBe(0);
    const dry = await kin(configMap('dry', 'wh-on'), 'create', '-f', '-', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.webhook-added}');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe('true');
    const last = seen[seen.length - 1].request as { dryRun: boolean };
    expect(last.dryRun).toBe(true);
  });
});

describe('ValidatingAdmissionPolicy', () => {
  const deployment = (name: string, replicas: number) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });

  it('denies a Deployment with more than 5 replicas', async () => {
    const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-binding
spec:
  policyName: max-replicas
  validationActions: [Deny]
`;
    const c = await kin(policy, 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    let i = 0;
    await eventually(async () => (await kin(deployment(`big${i++}`, 6), 'create', '-f', '-')).code !== 0);
    const r = await kin(deployment('big', 6), 'create', '-f', '-');
    expect(r.stderr).toContain("ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5");
    const raw = await server.request('POST', '/apis/apps/v1/namespaces/default/deployments', { body: deployment('big-raw', 6) });
    expect(raw.status).toBe(422);
    expect(raw.json()).toMatchObject({ reason: 'Invalid', code: 422 });
    const ok = await kin(deployment('small', 5), 'create', '-f', '-');
    expect(ok.code, ok.stderr).toBe(0);
    const patch = await k('patch', 'deployment', 'small', '-p', '{"spec":{"replicas":9}}');
    expect(patch.code).not.toBe(0);
    expect(patch.stderr).toContain("ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request");
  });
});
