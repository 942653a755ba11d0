/**
 * The Kubernetes CEL libraries end to end with kubectl 1.32 over a real etcd: a CRD whose
 * `x-kubernetes-validations` use url(), cidr(), quantity() and format.*; valid and invalid custom
 * resources (422 with the rule's message and field path, evaluation errors as upstream words them),
 * on the first replica and on a second one; the NonStructuralSchema condition on a CRD written
 * straight into etcd with a non-structural schema (and its removal once the schema is fixed); and
 * a ValidatingAdmissionPolicy using url() (admission CEL has the same libraries).
 */
import { describe, expect, it } from 'vitest';
import { kubectl } from '../harness/apiserver';
import { useCrdCluster, waitUntil } from './crd-harness';

const cluster = useCrdCluster();
const { k, kin } = cluster;

/** retries `fn` every 250 ms until it returns true, for up to 15 s */
const eventually = (fn: () => Promise<boolean>): Promise<void> => waitUntil('the condition', 15_000, fn, 250);

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.cel.example.com
spec:
  group: cel.example.com
  scope: Namespaced
  names:
    plural: gateways
    singular: gateway
    kind: Gateway
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
            x-kubernetes-validations:
            - rule: "isURL(self.url) && url(self.url).getScheme() == 'https'"
              message: "url must be an https URL"
              fieldPath: ".url"
            - rule: "cidr(self.net).containsIP(self.ip)"
              message: "ip must be inside net"
              fieldPath: ".ip"
            - rule: "quantity(self.mem).isLessThan(quantity('1Gi'))"
              message: "mem must be less than 1Gi"
              fieldPath: ".mem"
            - rule: "!format.dns1123Label().validate(self.name).hasValue()"
              messageExpression: "'name: ' + format.dns1123Label().validate(self.name).value().join(', ')"
              fieldPath: ".name"
            properties:
              url: {type: string}
              net: {type: string}
              ip: {type: string}
              mem: {type: string}
              name: {type: string}
              template:
                type: object
                x-kubernetes-embedded-resource: true
                x-kubernetes-preserve-unknown-fields: true
`;

const gateway = (name: string, spec: Record<string, string>) =>
  JSON.stringify({ apiVersion: 'cel.example.com/v1', kind: 'Gateway', metadata: { name, namespace: 'default' }, spec });

const good = { url: 'https://example.com/x', net: '10.0.0.0/8', ip: '10.1.2.3', mem: '512Mi', name: 'edge-1' };

describe('CRD validation rules with the Kubernetes CEL libraries', () => {
  it('rejects a rule calling an undeclared function, then creates the CRD', async () => {
    const typo = await kin(crd.replace("url(self.url).getScheme()", "urll(self.url).getScheme()"), 'create', '-f', '-');
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("compilation failed: ERROR: <input>:1:20: undeclared reference to 'urll' (in container '')");
    const r = await kin(crd, 'create', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    await eventually(async () => (await k('get', 'gateways')).code === 0);
  });

  it('accepts a valid custom resource', async () => {
    const r = await kin(gateway('ok', good), 'create', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
  });

  it('rejects invalid ones with the rule message and field path (422)', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ url: 'http://example.com' }, 'spec.url: Invalid value: "object": url must be an https URL'],
      [{ ip: '192.168.0.1' }, 'spec.ip: Invalid value: "object": ip must be inside net'],
      [{ mem: '2Gi' }, 'spec.mem: Invalid value: "object": mem must be less than 1Gi'],
      [
        { name: 'Edge_1' },
        `spec.name: Invalid value: "object": name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ];
    for (const [change, message] of cases) {
      const r = await kin(gateway('bad', { ...good, ...change }), 'create', '-f', '-');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('The Gateway "bad" is invalid');
      expect(r.stderr).toContain(message);
    }
    const raw = await cluster.server.request('POST', '/apis/cel.example.com/v1/namespaces/default/gateways', { body: gateway('bad', { ...good, mem: '2Gi' }) });
    expect(raw.status).toBe(422);
    const status = raw.json<{ reason: string; details: { causes: { field: string; message: string }[] } }>();
    expect(status.reason).toBe('Invalid');
    expect(status.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.mem', message: 'Invalid value: "object": mem must be less than 1Gi' });
  });

  it('reports library errors as rule evaluation errors, not crashes', async () => {
    const r = await kin(gateway('bad', { ...good, net: 'not-a-cidr' }), 'create', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'spec: Invalid value: "object": network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("not-a-cidr"): no \'/\' evaluating rule: ip must be inside net',
    );
    const q = await kin(gateway('bad', { ...good, mem: 'lots' }), 'create', '-f', '-');
    expect(q.stderr).toContain(
      `spec: Invalid value: "object": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' evaluating rule: mem must be less than 1Gi`,
    );
  });

  it('validates x-kubernetes-embedded-resource objects', async () => {
    const body = (template: unknown) =>
      JSON.stringify({ apiVersion: 'cel.example.com/v1', kind: 'Gateway', metadata: { name: 'emb', namespace: 'default' }, spec: { ...good, template } });
    const r = await kin(body({ apiVersion: 'v1', metadata: { name: 'a/b' } }), 'create', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.template.kind: Required value');
    expect(r.stderr).toContain(`spec.template.metadata.name: Invalid value: "a/b": may not contain '/'`);
    const ok = await kin(body({ apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: 'b' } }, spec: { containers: [] } }), 'create', '-f', '-');
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('enforces the same rules on a second replica', async () => {
    const replica = await cluster.startReplica();
    const kr = (input: string, ...args: string[]) => kubectl('1.32', replica.kubeconfig, args, input);
    await eventually(async () => (await kubectl('1.32', replica.kubeconfig, ['get', 'gateways'])).code === 0);
    const bad = await kr(gateway('bad', { ...good, url: 'https://a:b:c/' }), 'create', '-f', '-');
    expect(bad.stderr).toContain('spec.url: Invalid value: "object": url must be an https URL');
    const ok = await kr(gateway('ok2', { ...good, ip: '10.255.255.255' }), 'create', '-f', '-');
    expect(ok.code, ok.stderr).toBe(0);
  }, 60_000);
});

describe('NonStructuralSchema', () => {
  const key = '/registry/apiextensions.k8s.io/customresourcedefinitions/gateways.cel.example.com';
  const conditionOf = async (): Promise<Record<string, string> | undefined> => {
    const r = await k('get', 'crd', 'gateways.cel.example.com', '-o', 'json');
    const conds = (JSON.parse(r.stdout).status?.conditions ?? []) as Record<string, string>[];
    return conds.find((c) => c.type === 'NonStructuralSchema');
  };

  it('is set on a stored CRD whose schema is not structural, and removed once it is structural again', async () => {
    expect(await conditionOf()).toBeUndefined();
    const stored = JSON.parse((await cluster.etcd.get(key).string()) ?? '{}');
    const spec = stored.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    delete spec.properties.mem.type;
    spec.properties.extra = { type: 'array' };
    await cluster.etcd.put(key).value(JSON.stringify(stored));
    let cond: Record<string, string> | undefined;
    await eventually(async () => !!(cond = await conditionOf()));
    expect(cond).toMatchObject({
      status: 'True',
      reason: 'Violations',
      message:
        '[spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[mem].type: Required value: must not be empty for specified object fields, ' +
        'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[extra].items: Required value: must be specified]',
    });

    // the API itself still refuses non-structural schemas
    const r = await kin(crd.replace('mem: {type: string}', 'mem: {}'), 'replace', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[mem].type: Required value: must not be empty for specified object fields');

    const again = JSON.parse((await cluster.etcd.get(key).string()) ?? '{}');
    const s2 = again.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    s2.properties.mem.type = 'string';
    delete s2.properties.extra;
    await cluster.etcd.put(key).value(JSON.stringify(again));
    await eventually(async () => (await conditionOf()) === undefined);
  }, 40_000);
});

describe('ValidatingAdmissionPolicy with the Kubernetes CEL libraries', () => {
  it('denies a ConfigMap whose data.url is not https', async () => {
    const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: https-only
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["configmaps"]
  validations:
  - expression: "!has(object.data) || !('url' in object.data) || (isURL(object.data.url) && url(object.data.url).getScheme() == 'https')"
    messageExpression: "'data.url must be https, not ' + url(object.data.url).getScheme()"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: https-only-binding
spec:
  policyName: https-only
  validationActions: [Deny]
`;
    const c = await kin(policy, 'create', '-f', '-');
    expect(c.code, c.stderr).toBe(0);
    const cm = (name: string, url: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { url } });
    let i = 0;
    await eventually(async () => (await kin(cm(`probe${i++}`, 'http://example.com'), 'create', '-f', '-')).code !== 0);
    const r = await kin(cm('plain', 'http://example.com'), 'create', '-f', '-');
    expect(r.stderr).toContain("ValidatingAdmissionPolicy 'https-only' with binding 'https-only-binding' denied request: data.url must be https, not http");
    const ok = await kin(cm('secure', 'https://example.com'), 'create', '-f', '-');
    expect(ok.code, ok.stderr).toBe(0);
  }, 30_000);
});
