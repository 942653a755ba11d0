import { describe, expect, it } from 'vitest';
import { KObject } from '../../../../../libs/apimachinery/src/types';
import { ResourceDefinition } from '../../../../../libs/registry/src/resource';
import { AdmissionAttributes, Store } from '../../../../../libs/registry/src/store';
import { ValidatingAdmissionPolicyPlugin } from './validating-admission-policy';
import { evaluate, evaluateBool } from './cel';
import { fakeStore, rejection } from '../admission-test-util';

const deployments = { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true } as ResourceDefinition;
const configMaps = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true } as ResourceDefinition;

const policy = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec }) as unknown as KObject;
const binding = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec }) as unknown as KObject;

const matchDeployments = { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] };

function plugin(policies: KObject[], bindings: KObject[], params: KObject[] = []): ValidatingAdmissionPolicyPlugin {
  const stores: Record<string, Store> = {
    validatingadmissionpolicies: fakeStore(policies),
    validatingadmissionpolicybindings: fakeStore(bindings),
    namespaces: fakeStore([{ metadata: { name: 'default', labels: { env: 'prod' } } }]),
  };
  return new ValidatingAdmissionPolicyPlugin({
    storeFor: (_g, _v, plural) => stores[plural],
    versionsOf: () => ['v1'],
    storeForKind: (_av, kind) => (kind === 'ConfigMap' ? Object.assign(fakeStore(params), { def: configMaps }) : undefined),
  });
}

const deploy = (replicas: number, o: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: 'CREATE',
  def: deployments,
  namespace: 'default',
  name: 'web',
  subresource: '',
  object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas } } as KObject,
  dryRun: false,
  ...o,
});

describe('CEL', () => {
  it('evaluates over JSON bindings', () => {
    expect(evaluateBool('object.spec.replicas <= 5', { object: { spec: { replicas: 3 } } })).toBe(true);
    expect(evaluate("'x-' + object.metadata.name", { object: { metadata: { name: 'a' } } })).toBe('x-a');
    expect(evaluateBool('oldObject == null', { oldObject: undefined })).toBe(true);
    expect(() => evaluateBool('object.spec', { object: { spec: {} } })).toThrow(/non-boolean/);
  });
});

describe('ValidatingAdmissionPolicy', () => {
  const maxReplicas = policy('max-replicas', { matchConstraints: matchDeployments, validations: [{ expression: 'object.spec.replicas <= 5' }] });

  it('denies with upstream wording and 422', async () => {
    const p = plugin([maxReplicas], [binding('b', { policyName: 'max-replicas', validationActions: ['Deny'] })]);
    await p.hook()(deploy(5));
    const e = await rejection(p.hook()(deploy(6)));
    expect(e.code).toBe(422);
    expect(e.reason).toBe('Invalid');
    expect(e.message).toBe("ValidatingAdmissionPolicy 'max-replicas' with binding 'b' denied request: failed expression: object.spec.replicas <= 5");
    // other resources are not matched
    await p.hook()({ ...deploy(9), def: configMaps });
  });

  it('uses message, messageExpression and reason', async () => {
    const pol = policy('p', {
      matchConstraints: matchDeployments,
      validations: [{ expression: 'object.spec.replicas <= 5', message: 'static', messageExpression: "'too many: ' + string(object.spec.replicas)", reason: 'Forbidden' }],
    });
    const p = plugin([pol], [binding('b', { policyName: 'p', validationActions: ['Deny'] })]);
    const e = await rejection(p.hook()(deploy(7)));
    expect(e.code).toBe(403);
    expect(e.message).toBe("ValidatingAdmissionPolicy 'p' with binding 'b' denied request: too many: 7");
  });

  it('Warn and Audit do not deny; binding matchResources narrow; failurePolicy Ignore skips errors', async () => {
    await plugin([maxReplicas], [binding('b', { policyName: 'max-replicas', validationActions: ['Warn', 'Audit'] })]).hook()(deploy(9));
    const narrowed = plugin([maxReplicas], [binding('b', { policyName: 'max-replicas', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { env: 'dev' } } } })]);
    await narrowed.hook()(deploy(9));
    const broken = policy('broken', { failurePolicy: 'Ignore', matchConstraints: matchDeployments, validations: [{ expression: 'object.spec.nothere > 1' }] });
    await plugin([broken], [binding('b', { policyName: 'broken', validationActions: ['Deny'] })]).hook()(deploy(1));
    const failing = policy('failing', { matchConstraints: matchDeployments, validations: [{ expression: 'object.spec.nothere > 1' }] });
    const e = await rejection(plugin([failing], [binding('b', { policyName: 'failing', validationActions: ['Deny'] })]).hook()(deploy(1)));
    expect(e.message).toContain("ValidatingAdmissionPolicy 'failing' with binding 'b' denied request: expression 'object.spec.nothere > 1' resulted in error");
  });

  it('reads params through paramKind and paramRef', async () => {
    const pol = policy('limit', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConstraints: matchDeployments,
      validations: [{ expression: 'object.spec.replicas <= int(params.data.max)' }],
    });
    const params = [{ metadata: { name: 'limits', namespace: 'default' }, data: { max: '2' } } as unknown as KObject];
    const p = plugin([pol], [binding('b', { policyName: 'limit', paramRef: { name: 'limits', namespace: 'default' }, validationActions: ['Deny'] })], params);
    await p.hook()(deploy(2));
    expect((await rejection(p.hook()(deploy(3)))).code).toBe(422);
  });

  it('matchPolicy Equivalent: the policy sees the object and request.kind in the version its rule names', async () => {
    const widgets = { group: 'example.com', version: 'v2', kind: 'Widget', plural: 'widgets', namespaced: true } as ResourceDefinition;
    const pol = policy('size', {
      matchConstraints: { resourceRules: [{ apiGroups: ['example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['widgets'] }] },
      validations: [{ expression: "request.kind.version == 'v1' && request.requestKind.version == 'v2' && object.apiVersion == 'example.com/v1' && object.spec.size <= 5" }],
    });
    const stores: Record<string, Store> = {
      validatingadmissionpolicies: fakeStore([pol]),
      validatingadmissionpolicybindings: fakeStore([binding('b', { policyName: 'size', validationActions: ['Deny'] })]),
      namespaces: fakeStore([{ metadata: { name: 'default' } }]),
    };
    // v2 nests the size under spec.dimensions; v1 has spec.size
    const p = new ValidatingAdmissionPolicyPlugin({
      storeFor: (_g, _v, plural) => stores[plural],
      versionsOf: () => ['v1', 'v2'],
      converter: (_g, _r, from, to) =>
        from === 'v2' && to === 'v1'
          ? { kind: 'Widget', convert: (o) => ({ ...o, apiVersion: 'example.com/v1', spec: { size: (o as unknown as { spec: { dimensions: { size: number } } }).spec.dimensions.size } }) as KObject }
          : { kind: 'Widget', convert: (o) => ({ ...o, apiVersion: 'example.com/v2', spec: { dimensions: { size: (o as unknown as { spec: { size: number } }).spec.size } } }) as KObject },
    });
    const widget = (size: number): AdmissionAttributes => ({
      ...deploy(1),
      def: widgets,
      object: { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { dimensions: { size } } } as KObject,
    });
    await p.hook()(widget(5));
    expect((await rejection(p.hook()(widget(6)))).code).toBe(422);
  });
});
