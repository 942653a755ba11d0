import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode';
import { encodeMessage, ProtobufEncodeError } from './encode';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf, kubernetesSchemas, PROTOBUF_MAGIC } from './index';
import { CompiledSchemas } from './schema';

const schemas = kubernetesSchemas();
const roundTrip = (obj: Record<string, unknown>) => decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj));

const meta = (name: string, namespace = 'default') => ({
  name,
  namespace,
  uid: '0d5c6a0e-6f1b-4bde-9a47-2f0d0c1b2a33',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-05-06T07:08:09Z',
  labels: { app: name, tier: 'web' },
  annotations: { 'example.com/note': 'hello' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-abc`, uid: 'u-1', controller: true, blockOwnerDeletion: true }],
  finalizers: ['example.com/keep'],
  managedFields: [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'v1',
      time: '2024-05-06T07:08:09Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
    },
  ],
});

const container = {
  name: 'web',
  image: 'nginx:1.27',
  command: ['nginx'],
  args: ['-g', 'daemon off;'],
  workingDir: '/srv',
  ports: [{ name: 'http', containerPort: 80, protocol: 'TCP', hostPort: 8080, hostIP: '127.0.0.1' }],
  envFrom: [{ prefix: 'CM_', configMapRef: { name: 'cfg', optional: true } }, { secretRef: { name: 'sec' } }],
  env: [
    { name: 'MODE', value: 'prod' },
    { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'web', resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k', optional: false } } },
    { name: 'SEC', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
  ],
  resources: {
    limits: { cpu: '500m', memory: '128Mi' },
    requests: { cpu: '250m', memory: '64Mi' },
    claims: [{ name: 'gpu', request: 'one' }],
  },
  resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
  volumeMounts: [
    { name: 'data', mountPath: '/data', readOnly: true, subPath: 'x', mountPropagation: 'None', recursiveReadOnly: 'Disabled' },
    { name: 'cfg', mountPath: '/etc/cfg', subPathExpr: '$(POD)' },
  ],
  volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
  livenessProbe: {
    httpGet: { path: '/healthz', port: 8080, host: 'localhost', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] },
    initialDelaySeconds: 3,
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
    terminationGracePeriodSeconds: 0,
  },
  readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
  startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
  lifecycle: {
    postStart: { exec: { command: ['sh', '-c', 'echo hi'] } },
    preStop: { sleep: { seconds: 5 } },
  },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
  securityContext: {
    capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
    privileged: false,
    seLinuxOptions: { level: 's0:c123,c456' },
    runAsUser: 1000,
    runAsGroup: 3000,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    procMount: 'Default',
    seccompProfile: { type: 'RuntimeDefault' },
    appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' },
  },
  stdin: true,
  stdinOnce: true,
  tty: true,
};

const podSpec = {
  volumes: [
    { name: 'scratch', emptyDir: {} },
    { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'k', path: 'k.txt', mode: 420 }], defaultMode: 420, optional: true } },
    { name: 'sec', secret: { secretName: 'sec', defaultMode: 256 } },
    {
      name: 'proj',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
          { secret: { name: 'sec', optional: false } },
        ],
      },
    },
    { name: 'down', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    { name: 'nfs', nfs: { server: 'nfs.example.com', path: '/exports', readOnly: true } },
    { name: 'csi', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'vault' } } },
    {
      name: 'eph',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { type: 'scratch' } },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } },
        },
      },
    },
  ],
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['true'], restartPolicy: 'Always' }],
  containers: [container],
  ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36', targetContainerName: 'web', stdin: true, tty: true }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  activeDeadlineSeconds: 600,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'web',
  serviceAccount: 'web',
  automountServiceAccountToken: false,
  nodeName: 'node-1',
  hostNetwork: true,
  hostPID: true,
  hostIPC: true,
  shareProcessNamespace: true,
  securityContext: {
    runAsUser: 1000,
    runAsGroup: 3000,
    fsGroup: 2000,
    supplementalGroups: [4000, 5000],
    sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' },
    windowsOptions: { runAsUserName: 'ContainerUser', hostProcess: false },
  },
  imagePullSecrets: [{ name: 'regcred' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }], matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['x'] }] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } }],
    },
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['db'], matchLabelKeys: ['pod-template-hash'] },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, topologyKey: 'zone', namespaceSelector: {} } },
      ],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' },
  ],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['foo.local', 'bar.local'] }],
  priorityClassName: 'high',
  priority: 0,
  dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  readinessGates: [{ conditionType: 'example.com/ready' }],
  runtimeClassName: 'gvisor',
  enableServiceLinks: false,
  preemptionPolicy: 'PreemptLowerPriority',
  overhead: { cpu: '250m', memory: '120Mi' },
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'web' } },
      minDomains: 2,
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Ignore',
      matchLabelKeys: ['pod-template-hash'],
    },
  ],
  setHostnameAsFQDN: false,
  os: { name: 'linux' },
  hostUsers: false,
  schedulingGates: [{ name: 'example.com/gate' }],
  resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu-template' }],
  resources: { limits: { cpu: '1' } },
};

describe('encode → decode round trip', () => {
  it('Deployment', () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web'),
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
        template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } },
        minReadySeconds: 5,
        revisionHistoryLimit: 10,
        paused: true,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
        collisionCount: 0,
        conditions: [
          {
            type: 'Available',
            status: 'False',
            lastUpdateTime: '2024-05-06T07:08:10Z',
            lastTransitionTime: '2024-05-06T07:08:11Z',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          },
        ],
      },
    };
    expect(roundTrip(dep)).toEqual(dep);
  });

  it('Pod with a complete spec and status', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...meta('web-0'), deletionTimestamp: '2024-05-06T08:00:00Z', deletionGracePeriodSeconds: 0 },
      spec: podSpec,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastProbeTime: '2024-05-06T07:09:00Z', lastTransitionTime: '2024-05-06T07:09:01Z', observedGeneration: 3 }],
        message: 'ok',
        reason: 'Started',
        nominatedNodeName: 'node-2',
        hostIP: '10.0.0.5',
        hostIPs: [{ ip: '10.0.0.5' }],
        podIP: '10.244.0.7',
        podIPs: [{ ip: '10.244.0.7' }, { ip: 'fd00::7' }],
        startTime: '2024-05-06T07:08:30Z',
        initContainerStatuses: [
          {
            name: 'init',
            state: { terminated: { exitCode: 1, signal: 9, reason: 'Error', message: 'boom', startedAt: '2024-05-06T07:08:31Z', finishedAt: '2024-05-06T07:08:32Z', containerID: 'containerd://abc' } },
            ready: true,
            restartCount: 1,
            image: 'busybox:1.36',
            imageID: 'docker.io/library/busybox@sha256:1',
            started: false,
          },
        ],
        containerStatuses: [
          {
            name: 'web',
            state: { running: { startedAt: '2024-05-06T07:08:40Z' } },
            lastState: { waiting: { reason: 'ContainerCreating', message: 'pulling' } },
            ready: true,
            restartCount: 2,
            image: 'nginx:1.27',
            imageID: 'docker.io/library/nginx@sha256:2',
            containerID: 'containerd://def',
            started: true,
            allocatedResources: { cpu: '250m' },
            resources: { requests: { cpu: '250m' } },
            volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'Disabled' }],
            user: { linux: { uid: 1000, gid: 3000, supplementalGroups: [4000] } },
          },
        ],
        qosClass: 'Burstable',
        resourceClaimStatuses: [{ name: 'gpu', resourceClaimName: 'web-0-gpu-xyz' }],
      },
    };
    expect(roundTrip(pod)).toEqual(pod);
  });

  it('Service', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('s'),
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080, appProtocol: 'http' },
          { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 'metrics' },
        ],
        selector: { app: 'web' },
        clusterIP: '10.96.0.10',
        clusterIPs: ['10.96.0.10'],
        type: 'LoadBalancer',
        externalIPs: ['192.0.2.1'],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        loadBalancerIP: '192.0.2.2',
        loadBalancerSourceRanges: ['192.0.2.0/24'],
        externalTrafficPolicy: 'Local',
        healthCheckNodePort: 31000,
        publishNotReadyAddresses: true,
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        allocateLoadBalancerNodePorts: false,
        loadBalancerClass: 'example.com/lb',
        internalTrafficPolicy: 'Cluster',
        trafficDistribution: 'PreferClose',
      },
      status: {
        loadBalancer: { ingress: [{ ip: '192.0.2.3', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP', error: 'Pending' }] }, { hostname: 'lb.example.com' }] },
        conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'Done', message: 'ok' }],
      },
    };
    expect(roundTrip(svc)).toEqual(svc);
  });

  it('Lease with MicroTime fields', () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-1', namespace: 'kube-node-lease' },
      spec: {
        holderIdentity: 'node-1',
        leaseDurationSeconds: 40,
        acquireTime: '2024-05-06T07:08:09.123456Z',
        renewTime: '2024-05-06T07:09:10.000001Z',
        leaseTransitions: 0,
      },
    };
    expect(roundTrip(lease)).toEqual(lease);
  });

  it('Secret with bytes data', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sec', namespace: 'default' },
      type: 'Opaque',
      data: { password: Buffer.from('s3cr3t').toString('base64'), bin: Buffer.from([0, 1, 2, 255]).toString('base64') },
      immutable: false,
    };
    expect(roundTrip(secret)).toEqual(secret);
  });

  it('the smaller kinds', () => {
    const objs = [
      { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 's' }, subsets: [{ addresses: [{ ip: '10.0.0.1', nodeName: 'n', targetRef: { kind: 'Pod', name: 'p' } }], notReadyAddresses: [{ ip: '10.0.0.2', hostname: 'h' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] },
      { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } },
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-1' },
        spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'], providerID: 'kind://node-1', unschedulable: true, taints: [{ key: 'k', value: 'v', effect: 'NoSchedule', timeAdded: '2024-05-06T07:08:09Z' }] },
        status: {
          capacity: { cpu: '4', memory: '8Gi', pods: '110' },
          allocatable: { cpu: '3800m' },
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z', reason: 'KubeletReady', message: 'ready' }],
          addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', containerRuntimeVersion: 'containerd://1.7', kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64' },
          images: [{ names: ['nginx:1.27'], sizeBytes: 1234567890123 }],
          runtimeHandlers: [{ name: 'runc', features: { recursiveReadOnlyMounts: true, userNamespaces: false } }],
          features: { supplementalGroupsPolicy: true },
        },
      },
      { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Pulled', message: 'ok', source: { component: 'kubelet', host: 'n' }, firstTimestamp: '2024-05-06T07:08:09Z', lastTimestamp: '2024-05-06T07:08:10Z', count: 2, type: 'Normal', eventTime: '2024-05-06T07:08:09.500000Z', series: { count: 2, lastObservedTime: '2024-05-06T07:08:10.250000Z' }, action: 'Pull', reportingComponent: 'kubelet', reportingInstance: 'n' },
      { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e2', namespace: 'default' }, eventTime: '2024-05-06T07:08:09.000100Z', reportingController: 'c', reportingInstance: 'i', action: 'A', reason: 'R', regarding: { kind: 'Pod', name: 'p' }, related: { kind: 'Node', name: 'n' }, note: 'n', type: 'Warning', deprecatedCount: 3 },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } }, minReadySeconds: 1 }, status: { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'x', message: 'y', lastTransitionTime: '2024-05-06T07:08:09Z' }] } },
      { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 5 }, status: { replicas: 2, selector: 'app=web' } },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'sa' }, spec: { audiences: ['api'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'u' } }, status: { token: 't', expirationTimestamp: '2024-05-06T08:08:09Z' } },
      { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'default' }, deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u' }, dryRun: ['All'] } },
    ];
    for (const o of objs) expect(roundTrip(o), `${o.apiVersion}/${o.kind}`).toEqual(o);
  });
});

describe('zero values', () => {
  it('drops zero non-pointer fields but keeps zero pointers', () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', generation: 0, labels: {} },
      spec: { replicas: 0, minReadySeconds: 0, paused: false, revisionHistoryLimit: 0, template: { spec: { containers: [{ name: 'c', image: '', stdin: false }] } } },
      status: { replicas: 0, collisionCount: 0 },
    };
    expect(roundTrip(dep)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 0, revisionHistoryLimit: 0, template: { spec: { containers: [{ name: 'c' }] } } },
      status: { collisionCount: 0 },
    });
  });

  it('keeps empty pointer structs such as emptyDir: {}', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', securityContext: {} }] } };
    expect(roundTrip(pod)).toEqual(pod);
  });

  it('IntOrString: 0 is an int, "0" a string', () => {
    const svc = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect((roundTrip(svc('8080')).spec as { ports: unknown[] }).ports[0]).toEqual({ port: 80, targetPort: '8080' });
    expect((roundTrip(svc(8080)).spec as { ports: unknown[] }).ports[0]).toEqual({ port: 80, targetPort: 8080 });
  });
});

describe('wire format', () => {
  // Worked out by hand from the protobuf encoding rules and the field numbers; every non-pointer
  // scalar is present even when empty, as Go writes it.
  const objectMeta = [
    0x0a, 0x03, 0x6e, 0x73, 0x31, // 1 name "ns1"
    0x12, 0x00, // 2 generateName ""
    0x1a, 0x00, // 3 namespace ""
    0x22, 0x00, // 4 selfLink ""
    0x2a, 0x00, // 5 uid ""
    0x32, 0x00, // 6 resourceVersion ""
    0x38, 0x00, // 7 generation 0
    0x42, 0x00, // 8 creationTimestamp: the zero time, an empty message
    0x5a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, // 11 labels { a: b }
  ];
  const namespace = [
    0x0a, objectMeta.length, ...objectMeta, // 1 metadata
    0x12, 0x00, // 2 spec: no finalizers
    0x1a, 0x02, 0x0a, 0x00, // 3 status: phase ""
  ];
  const body = [
    ...PROTOBUF_MAGIC,
    0x0a, 0x0f, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x09, ...Buffer.from('Namespace'), // typeMeta { v1, Namespace }
    0x12, namespace.length, ...namespace, // raw
    0x1a, 0x00, // contentEncoding ""
    0x22, 0x00, // contentType ""
  ];
  const obj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1', labels: { a: 'b' } } };

  it('encodes a tiny Namespace to the hand-made bytes', () => {
    expect(objectMeta.length).toBe(0x1b);
    expect([...encodeKubernetesProtobuf(obj)]).toEqual(body);
  });

  it('decodes the hand-made bytes', () => {
    expect(decodeKubernetesProtobuf(Buffer.from(body))).toEqual(obj);
  });

  it('writes map entries sorted by key and a pointer only when set', () => {
    const bytes = encodeMessage(schemas, 'LeaseSpec', { leaseDurationSeconds: 0 });
    expect([...bytes]).toEqual([0x10, 0x00]);
    const sel = encodeMessage(schemas, 'LabelSelector', { matchLabels: { b: '2', a: '1' } });
    expect([...sel]).toEqual([0x0a, 0x06, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x31, 0x0a, 0x06, 0x0a, 0x01, 0x62, 0x12, 0x01, 0x32]);
  });

  it('writes IntOrString, Quantity and MicroTime as Go does', () => {
    expect([...encodeMessage(schemas, 'TCPSocketAction', { port: 8080 })]).toEqual([0x0a, 0x07, 0x08, 0x00, 0x10, 0x90, 0x3f, 0x1a, 0x00, 0x12, 0x00]);
    expect([...encodeMessage(schemas, 'TCPSocketAction', { port: 'h' })]).toEqual([0x0a, 0x07, 0x08, 0x01, 0x10, 0x00, 0x1a, 0x01, 0x68, 0x12, 0x00]);
    expect([...encodeMessage(schemas, 'EmptyDirVolumeSource', { sizeLimit: '1Gi' })]).toEqual([0x0a, 0x00, 0x12, 0x05, 0x0a, 0x03, 0x31, 0x47, 0x69]);
    // 1970-01-01T00:00:01.000002Z → seconds 1, nanos 2000 (0xd0 0x0f)
    expect([...encodeMessage(schemas, 'LeaseSpec', { renewTime: '1970-01-01T00:00:01.000002Z' })]).toEqual([0x22, 0x05, 0x08, 0x01, 0x10, 0xd0, 0x0f]);
  });

  it('writes embedded structs as nested messages with the parent JSON fields', () => {
    const bytes = encodeMessage(schemas, 'ConfigMapKeySelector', { name: 'cfg', key: 'k' });
    expect([...bytes]).toEqual([0x0a, 0x05, 0x0a, 0x03, 0x63, 0x66, 0x67, 0x12, 0x01, 0x6b]);
    expect(decodeMessage(schemas, 'ConfigMapKeySelector', bytes)).toEqual({ name: 'cfg', key: 'k' });
  });

  it('handles Duration and RawExtension', () => {
    const local = new CompiledSchemas([{ T: { 1: 'd:Duration', 2: 'raw:RawExtension?' }, 'meta.Duration': { 1: 'duration:int64' }, 'meta.RawExtension': { 1: 'raw:bytes' } }]);
    const bytes = encodeMessage(local, 'T', { d: '1m30s', raw: { a: 1 } });
    // 1m30s = 90e9 ns: varint 80 88 ac a3 cf 02
    expect([...bytes.subarray(0, 9)]).toEqual([0x0a, 0x07, 0x08, 0x80, 0x88, 0xac, 0xa3, 0xcf, 0x02]);
    expect(Buffer.from(bytes.subarray(9)).toString('latin1')).toBe('\x12\x09\x0a\x07{"a":1}');
    expect(decodeMessage(local, 'T', bytes)).toEqual({ d: '1m30s', raw: { a: 1 } });
    expect(decodeMessage(local, 'T', encodeMessage(local, 'T', { d: '-1.5h' }))).toEqual({ d: '-1h30m0s' });
    expect(decodeMessage(local, 'T', encodeMessage(local, 'T', { d: '250ms' }))).toEqual({ d: '250ms' });
  });

  it('rejects values of the wrong JSON type', () => {
    expect(() => encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Pod', spec: { containers: 'nope' } })).toThrow(ProtobufEncodeError);
    expect(() => encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Pod', metadata: { creationTimestamp: 'yesterday' } })).toThrow(ProtobufEncodeError);
    expect(() => encodeKubernetesProtobuf({ apiVersion: 'v9', kind: 'Nope' })).toThrow(ProtobufEncodeError);
  });
});
