/** Round trips of the networking, scheduling and certificates messages (what kubectl's typed clients send). */
import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf, protobufSupports } from '../index';

const roundTrip = (obj: Record<string, unknown>) => decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj));

describe('cluster kinds over protobuf', () => {
  it('Ingress: inline rule value, service backends, TLS, class, status', () => {
    const ing = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'x', namespace: 'default' },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'Bucket', name: 'static' } },
        tls: [{ hosts: ['foo.com'], secretName: 'tls' }],
        rules: [
          {
            host: 'foo.com',
            http: {
              paths: [
                { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc', port: { number: 80 } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'svc', port: { name: 'http' } } } },
              ],
            },
          },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP', error: 'Pending' }] }] } },
    };
    expect(roundTrip(ing)).toEqual(ing);
  });

  it('IngressClass and PriorityClass', () => {
    const ic = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p', scope: 'Namespace', namespace: 'ns' } },
    };
    expect(roundTrip(ic)).toEqual(ic);
    const pc = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
      globalDefault: true,
      description: 'important',
      preemptionPolicy: 'Never',
    };
    expect(roundTrip(pc)).toEqual(pc);
  });

  it('CertificateSigningRequest: bytes, conditions, extra values', () => {
    const csr = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'alice' },
      spec: {
        request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\n').toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client',
        expirationSeconds: 86400,
        usages: ['client auth', 'digital signature'],
        username: 'alice',
        uid: 'u1',
        groups: ['system:authenticated'],
        extra: { scopes: { items: ['a', 'b'] } },
      },
      status: {
        conditions: [
          { type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'ok', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z' },
        ],
        certificate: Buffer.from('cert').toString('base64'),
      },
    };
    expect(roundTrip(csr)).toEqual(csr);
    expect(protobufSupports('certificates.k8s.io/v1', 'CertificateSigningRequest')).toBe(true);
  });
});

describe('storage, node and network policy kinds over protobuf', () => {
  it.each([
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np', namespace: 'default' },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: 'http' }] }],
        egress: [{ ports: [{ protocol: 'UDP', port: 53, endPort: 60 }] }],
        policyTypes: ['Ingress', 'Egress'],
      },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'fast' },
      provisioner: 'csi.example.com',
      parameters: { type: 'ssd' },
      reclaimPolicy: 'Retain',
      mountOptions: ['ro'],
      allowVolumeExpansion: false,
      volumeBindingMode: 'WaitForFirstConsumer',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }],
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'csi.example.com' },
      spec: {
        attachRequired: false,
        podInfoOnMount: true,
        volumeLifecycleModes: ['Persistent', 'Ephemeral'],
        storageCapacity: false,
        fsGroupPolicy: 'File',
        tokenRequests: [{ audience: 'vault', expirationSeconds: 3600 }],
        requiresRepublish: false,
        seLinuxMount: true,
      },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSINode',
      metadata: { name: 'node-1' },
      spec: { drivers: [{ name: 'csi.example.com', nodeID: 'n1', topologyKeys: ['zone'], allocatable: { count: 0 } }] },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'VolumeAttachment',
      metadata: { name: 'va' },
      spec: { attacher: 'csi.example.com', source: { persistentVolumeName: 'pv-1' }, nodeName: 'node-1' },
      status: { attached: true, attachmentMetadata: { dev: '/dev/sdb' }, detachError: { time: '2024-05-06T07:08:09Z', message: 'busy' } },
    },
    {
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name: 'gvisor' },
      handler: 'runsc',
      overhead: { podFixed: { cpu: '250m', memory: '64Mi' } },
      scheduling: { nodeSelector: { sandbox: 'true' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] },
    },
  ])('$kind', (obj) => {
    expect(roundTrip(obj)).toEqual(obj);
  });
});
