import { describe, expect, it } from 'vitest';
import { StatusError } from '../../apimachinery/src/status';
import { GenericUnprocessableEntityError } from './patch-errors';
import { applyStrategicMergePatch } from './strategic-merge-patch';

type Obj = Record<string, unknown>;

function thrown(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a StatusError');
}

const deployment = (): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web', tier: 'fe' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}' },
    finalizers: ['a.example.com/f', 'b.example.com/f'],
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.14',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'cfg', mountPath: '/etc/cfg', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'cfg' } },
        ],
        tolerations: [{ key: 'k1', operator: 'Exists' }],
        securityContext: { runAsNonRoot: true },
      },
    },
  },
});

/** a path into the result */
function at(obj: unknown, ...path: Array<string | number>): unknown {
  let cur = obj;
  for (const p of path) cur = (cur as Record<string | number, unknown>)[p];
  return cur;
}

const podSpec = (o: unknown): Obj => at(o, 'spec', 'template', 'spec') as Obj;
const names = (list: unknown): unknown[] => (list as Obj[]).map((x) => x.name);
const tmplPatch = (spec: Obj): Obj => ({ spec: { template: { spec } } });

describe('strategic merge patch: kubectl apply patches (with $setElementOrder)', () => {
  it('changes an image and keeps every other container field', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' } },
      ...tmplPatch({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.16', name: 'nginx' }] }),
    };
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    const expected = deployment();
    (at(expected, 'metadata', 'annotations') as Obj)['kubectl.kubernetes.io/last-applied-configuration'] = '{"new":true}';
    (podSpec(expected).containers as Obj[])[0].image = 'nginx:1.16';
    expect(out).toEqual(expected);
  });

  it('adds a container where $setElementOrder puts it', () => {
    const patch = tmplPatch({
      '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
      containers: [{ image: 'busybox', name: 'sidecar' }],
    });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(names(podSpec(out).containers)).toEqual(['nginx', 'sidecar']);
    expect((podSpec(out).containers as Obj[])[1]).toEqual({ image: 'busybox', name: 'sidecar' });
  });

  it('removes a container with $patch: delete', () => {
    const live = applyStrategicMergePatch(
      deployment(),
      tmplPatch({ '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }], containers: [{ name: 'sidecar', image: 'b' }] }),
      'V1Deployment',
    );
    const patch = tmplPatch({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'sidecar' }] });
    const out = applyStrategicMergePatch(live, patch, 'V1Deployment');
    expect(names(podSpec(out).containers)).toEqual(['nginx']);
    expect(out).toEqual(deployment());
  });

  it('deletes an env var with $patch: delete and updates another, by name', () => {
    const patch = tmplPatch({
      '$setElementOrder/containers': [{ name: 'nginx' }],
      containers: [
        {
          '$setElementOrder/env': [{ name: 'A' }],
          env: [{ name: 'A', value: 'one' }, { $patch: 'delete', name: 'B' }],
          name: 'nginx',
        },
      ],
    });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(at(podSpec(out), 'containers', 0, 'env')).toEqual([{ name: 'A', value: 'one' }]);
  });

  it('reorders a list with only $setElementOrder', () => {
    const patch = tmplPatch({ '$setElementOrder/volumes': [{ name: 'cfg' }, { name: 'data' }] });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(names(podSpec(out).volumes)).toEqual(['cfg', 'data']);
  });

  it('keeps server-only items (e.g. an injected sidecar) between the ordered ones by live position', () => {
    const live = deployment();
    podSpec(live).containers = [{ name: 'a' }, { name: 'injected' }, { name: 'b' }];
    const out = applyStrategicMergePatch(live, tmplPatch({ '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] }), 'V1Deployment');
    expect(names(podSpec(out).containers)).toEqual(['injected', 'b', 'a']);
  });

  it('orders like Go when a deletion and an addition share the live list (slice aliasing)', () => {
    const live = deployment();
    podSpec(live).containers = [{ name: 'A' }, { name: 'S' }, { name: 'B' }];
    const patch = tmplPatch({
      '$setElementOrder/containers': [{ name: 'A' }, { name: 'D' }],
      containers: [{ name: 'D' }, { $patch: 'delete', name: 'B' }],
    });
    const out = applyStrategicMergePatch(live, patch, 'V1Deployment');
    expect(names(podSpec(out).containers)).toEqual(['A', 'S', 'D']);
    expect(names(podSpec(live).containers)).toEqual(['A', 'S', 'B']);
  });

  it('switches the deployment strategy RollingUpdate → Recreate with $retainKeys', () => {
    const out = applyStrategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'V1Deployment');
    expect(at(out, 'spec', 'strategy')).toEqual({ type: 'Recreate' });
  });

  it('switches the deployment strategy Recreate → RollingUpdate with $retainKeys', () => {
    const live = deployment();
    (live.spec as Obj).strategy = { type: 'Recreate' };
    const patch = { spec: { strategy: { $retainKeys: ['rollingUpdate', 'type'], rollingUpdate: { maxSurge: 1 }, type: 'RollingUpdate' } } };
    const out = applyStrategicMergePatch(live, patch, 'V1Deployment');
    expect(at(out, 'spec', 'strategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } });
  });

  it('changes a volume source with $retainKeys inside the list item', () => {
    const patch = tmplPatch({
      '$setElementOrder/volumes': [{ name: 'data' }, { name: 'cfg' }],
      volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'data-cm' }, name: 'data' }],
    });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(podSpec(out).volumes).toEqual([
      { name: 'data', configMap: { name: 'data-cm' } },
      { name: 'cfg', configMap: { name: 'cfg' } },
    ]);
  });

  it('removes labels set to null', () => {
    const patch = { metadata: { labels: { tier: null, env: 'prod' } } };
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(at(out, 'metadata', 'labels')).toEqual({ app: 'web', env: 'prod' });
  });

  it('makes no change for an empty patch (kubectl apply "unchanged")', () => {
    expect(applyStrategicMergePatch(deployment(), '{}', 'V1Deployment')).toEqual(deployment());
    expect(applyStrategicMergePatch(deployment(), 'null', 'V1Deployment')).toEqual(deployment());
  });
});

describe('strategic merge patch: kubectl patch (no $setElementOrder)', () => {
  it('puts a new container in front of the existing ones, as upstream does', () => {
    const out = applyStrategicMergePatch(deployment(), tmplPatch({ containers: [{ name: 'redis', image: 'redis' }] }), 'V1Deployment');
    expect(names(podSpec(out).containers)).toEqual(['redis', 'nginx']);
  });

  it('merges an existing container by name in place', () => {
    const live = deployment();
    podSpec(live).containers = [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }, { name: 'c', image: 'c:1' }];
    const out = applyStrategicMergePatch(live, tmplPatch({ containers: [{ name: 'b', image: 'b:2' }] }), 'V1Deployment');
    expect(podSpec(out).containers).toEqual([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }]);
  });

  it('merges container ports by containerPort and volumeMounts by mountPath', () => {
    const patch = tmplPatch({
      containers: [
        {
          name: 'nginx',
          ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }],
          volumeMounts: [{ mountPath: '/etc/cfg', readOnly: false }],
        },
      ],
    });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect(at(podSpec(out), 'containers', 0, 'ports')).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443 }]);
    expect(at(podSpec(out), 'containers', 0, 'volumeMounts')).toEqual([
      { name: 'data', mountPath: '/data' },
      { name: 'cfg', mountPath: '/etc/cfg', readOnly: false },
    ]);
  });

  it('replaces lists without a patch strategy (tolerations, args)', () => {
    const out = applyStrategicMergePatch(deployment(), tmplPatch({ tolerations: [{ key: 'k2', operator: 'Exists' }] }), 'V1Deployment');
    expect(podSpec(out).tolerations).toEqual([{ key: 'k2', operator: 'Exists' }]);
  });

  it('merges service ports by port', () => {
    const svc = {
      kind: 'Service',
      spec: {
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
        selector: { app: 'web' },
      },
    };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'V1Service');
    expect(at(out, 'spec', 'ports')).toEqual([
      { name: 'http', port: 80, targetPort: 9090, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
    ]);
  });

  it('unions finalizers (new ones first) and deletes them with $deleteFromPrimitiveList', () => {
    const added = applyStrategicMergePatch(deployment(), { metadata: { finalizers: ['c.example.com/f', 'a.example.com/f'] } }, 'V1Deployment');
    expect(at(added, 'metadata', 'finalizers')).toEqual(['c.example.com/f', 'a.example.com/f', 'b.example.com/f']);
    const ordered = applyStrategicMergePatch(
      deployment(),
      {
        metadata: {
          '$setElementOrder/finalizers': ['a.example.com/f', 'b.example.com/f', 'c.example.com/f'],
          finalizers: ['c.example.com/f'],
        },
      },
      'V1Deployment',
    );
    expect(at(ordered, 'metadata', 'finalizers')).toEqual(['a.example.com/f', 'b.example.com/f', 'c.example.com/f']);
    const removed = applyStrategicMergePatch(deployment(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/f'] } }, 'V1Deployment');
    expect(at(removed, 'metadata', 'finalizers')).toEqual(['b.example.com/f']);
  });

  it('merges ownerReferences by uid', () => {
    const live = { metadata: { ownerReferences: [{ uid: '1', name: 'a', kind: 'ReplicaSet' }] } };
    const out = applyStrategicMergePatch(live, { metadata: { ownerReferences: [{ uid: '1', controller: true }, { uid: '2', name: 'b' }] } }, 'V1Pod');
    expect(at(out, 'metadata', 'ownerReferences')).toEqual([
      { uid: '1', name: 'a', kind: 'ReplicaSet', controller: true },
      { uid: '2', name: 'b' },
    ]);
  });

  it('merges pod status conditions by type (kubelet status patches)', () => {
    const pod = { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
    const out = applyStrategicMergePatch(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'V1Pod');
    expect(at(out, 'status', 'conditions')).toEqual([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  });
});

describe('strategic merge patch: directives', () => {
  it('$patch: replace on a map replaces it', () => {
    const out = applyStrategicMergePatch(deployment(), { spec: { template: { metadata: { labels: { $patch: 'replace', x: 'y' } } } } }, 'V1Deployment');
    expect(at(out, 'spec', 'template', 'metadata', 'labels')).toEqual({ x: 'y' });
  });

  it('$patch: delete on a map empties it', () => {
    const out = applyStrategicMergePatch(deployment(), tmplPatch({ securityContext: { $patch: 'delete' } }), 'V1Deployment');
    expect(podSpec(out).securityContext).toEqual({});
  });

  it('$patch: replace in a merged list replaces the list', () => {
    const out = applyStrategicMergePatch(
      deployment(),
      tmplPatch({ volumes: [{ name: 'only', emptyDir: {} }, { $patch: 'replace' }] }),
      'V1Deployment',
    );
    expect(podSpec(out).volumes).toEqual([{ name: 'only', emptyDir: {} }]);
  });

  it('drops directives and nulls from values new to the object', () => {
    const live = deployment();
    delete podSpec(live).securityContext;
    delete podSpec(live).volumes;
    const patch = tmplPatch({
      securityContext: { runAsUser: 1000, fsGroup: null },
      volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', $patch: 'delete' }],
    });
    const out = applyStrategicMergePatch(live, patch, 'V1Deployment');
    expect(podSpec(out).securityContext).toEqual({ runAsUser: 1000 });
    expect(podSpec(out).volumes).toEqual([{ name: 'a', emptyDir: {} }]);
  });

  it('drops leftover directive keys inside list items taken from the patch', () => {
    const patch = tmplPatch({
      containers: [{ name: 'new', image: 'x', '$setElementOrder/env': [{ name: 'E' }], env: [{ name: 'E', value: 'v' }] }],
    });
    const out = applyStrategicMergePatch(deployment(), patch, 'V1Deployment');
    expect((podSpec(out).containers as Obj[])[0]).toEqual({ name: 'new', image: 'x', env: [{ name: 'E', value: 'v' }] });
  });
});

describe('strategic merge patch: types without metadata', () => {
  it('replaces lists when no type is known (merge patch semantics)', () => {
    const out = applyStrategicMergePatch(deployment(), tmplPatch({ containers: [{ name: 'x' }] }));
    expect(podSpec(out).containers).toEqual([{ name: 'x' }]);
    const out2 = applyStrategicMergePatch(deployment(), tmplPatch({ containers: [{ name: 'x' }] }), 'NoSuchType');
    expect(podSpec(out2).containers).toEqual([{ name: 'x' }]);
  });

  it('merges maps of a map-typed field (labels, annotations, data)', () => {
    const cm = { data: { a: '1', b: '2' } };
    expect(applyStrategicMergePatch(cm, { data: { b: null, c: '3' } }, 'V1ConfigMap')).toEqual({ data: { a: '1', c: '3' } });
  });

  it('never modifies its inputs', () => {
    const live = deployment();
    const patch = tmplPatch({ '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'nginx', env: [{ name: 'B', $patch: 'delete' }] }] });
    const patchCopy = JSON.parse(JSON.stringify(patch)) as Obj;
    applyStrategicMergePatch(live, patch, 'V1Deployment');
    expect(live).toEqual(deployment());
    expect(patch).toEqual(patchCopy);
  });
});

describe('strategic merge patch: errors as upstream', () => {
  it('400 for bodies that do not decode into a map', () => {
    let e = thrown(() => applyStrategicMergePatch(deployment(), '{"spec":', 'V1Deployment'));
    expect([e.code, e.reason, e.message]).toEqual([400, 'BadRequest', 'unexpected end of JSON input']);
    e = thrown(() => applyStrategicMergePatch(deployment(), '[{"op":"add"}]', 'V1Deployment'));
    expect(e.message).toBe('json: cannot unmarshal array into Go value of type map[string]interface {}');
    expect(e.code).toBe(400);
  });

  it('400 for malformed directives', () => {
    const cases: Array<[Obj, string]> = [
      [{ spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: {} } } }, 'invalid patch format of retainKeys'],
      [{ spec: { strategy: { $retainKeys: 'type' } } }, 'invalid patch format of retainKeys'],
      [{ metadata: { $setElementOrderfinalizers: ['a'] } }, 'invalid patch format of setElementOrder list'],
      [{ metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } }, 'invalid patch format of primitive list'],
    ];
    for (const [patch, message] of cases) {
      const e = thrown(() => applyStrategicMergePatch(deployment(), patch, 'V1Deployment'));
      expect([e.code, e.reason, e.message]).toEqual([400, 'BadRequest', message]);
    }
  });

  it('422 for lists of lists', () => {
    const live = { metadata: { finalizers: [] } };
    const e = thrown(() => applyStrategicMergePatch(live, { metadata: { finalizers: [['x']] } }, 'V1Pod'));
    expect(e).toBeInstanceOf(GenericUnprocessableEntityError);
    expect((e as GenericUnprocessableEntityError).serverMessage).toBe('lists of lists are not supported');
  });

  it('500 with the Go error text for other failures', () => {
    const cases: Array<[Obj, string]> = [
      [tmplPatch({ containers: [{ image: 'x' }] }), 'map: map[image:x] does not contain declared merge key: name'],
      [tmplPatch({ containers: [{ $patch: 'delete', image: 'x' }] }), 'map: map[$patch:delete image:x] does not contain declared merge key: name'],
      [tmplPatch({ containers: [{ $patch: 'merge' }] }), 'merging lists cannot yet be specified in the patch'],
      [tmplPatch({ securityContext: { $patch: 'frob', a: 1 } }), 'unknown patch type: frob in map: map[$patch:frob a:1]'],
      [tmplPatch({ '$setElementOrder/containers': 'nginx' }), 'expected a []interface {}, but received a string'],
      [tmplPatch({ containers: ['nginx'] }), 'list element types are not identical: [[map[env:[map[name:A value:1] map[name:B value:2]] image:nginx:1.14 imagePullPolicy:IfNotPresent name:nginx ports:[map[containerPort:80 protocol:TCP]] volumeMounts:[map[mountPath:/data name:data] map[mountPath:/etc/cfg name:cfg readOnly:true]]]] [nginx]]'],
    ];
    for (const [patch, message] of cases) {
      const e = thrown(() => applyStrategicMergePatch(deployment(), patch, 'V1Deployment'));
      expect(e.toStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
    }
  });
});
