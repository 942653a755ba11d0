/**
 * The front proxy of the aggregation layer for e2e tests: a front-proxy CA and the client
 * certificate the aggregator presents (CN front-proxy-client), written to `dir`, and the API server
 * flags that use them (request-header authentication + --proxy-client-cert/key-file).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCA, issueCert } from '../../libs/pki/src';

export interface FrontProxy {
  /** the front-proxy CA certificate (PEM) aggregated servers check the client certificate against */
  caPem: string;
  /** the aggregator's client certificate */
  client: { certPem: string; keyPem: string };
  /** the API server flags: --requestheader-* and --proxy-client-* */
  apiserverArgs: string[];
}

export async function makeFrontProxy(dir: string): Promise<FrontProxy> {
  const ca = await createCA({ commonName: 'front-proxy-ca' });
  const client = await issueCert(ca, { commonName: 'front-proxy-client', usage: 'client' });
  writeFileSync(join(dir, 'front-proxy-ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'front-proxy-client.crt'), client.certPem);
  writeFileSync(join(dir, 'front-proxy-client.key'), client.keyPem, { mode: 0o600 });
  return {
    caPem: ca.certPem,
    client,
    apiserverArgs: [
      `--requestheader-client-ca-file=${join(dir, 'front-proxy-ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${join(dir, 'front-proxy-client.crt')}`,
      `--proxy-client-key-file=${join(dir, 'front-proxy-client.key')}`,
    ],
  };
}

export interface AggregatedBackend {
  /** the Service (and EndpointSlice `<service>-1`) in front of the aggregated server on 127.0.0.1 */
  service: string;
  namespace: string;
  /** the aggregated server's port on 127.0.0.1 */
  targetPort: number;
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** the CA of the aggregated server's serving certificate (the APIService caBundle) */
  caPem: string;
  /** spec.service.port of the APIService (left out: the API server defaults it to 443) */
  apiServicePort?: number;
}

/**
 * A Service, an EndpointSlice to 127.0.0.1 and the APIService `<version>.<group>` for an aggregated
 * server. Endpoints may not point at loopback (validation, as upstream); an EndpointSlice may, and
 * the aggregator prefers slices.
 */
export function aggregatedBackendManifests(b: AggregatedBackend): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${b.service}, namespace: ${b.namespace}}
spec:
  ports: [{name: https, port: 443, protocol: TCP, targetPort: ${b.targetPort}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ${b.service}-1
  namespace: ${b.namespace}
  labels: {kubernetes.io/service-name: ${b.service}}
addressType: IPv4
endpoints: [{addresses: [127.0.0.1], conditions: {ready: true}}]
ports: [{name: https, port: ${b.targetPort}, protocol: TCP}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: ${b.version}.${b.group}}
spec:
  group: ${b.group}
  version: ${b.version}
  groupPriorityMinimum: ${b.groupPriorityMinimum}
  versionPriority: ${b.versionPriority}
  service: {name: ${b.service}, namespace: ${b.namespace}${b.apiServicePort !== undefined ? `, port: ${b.apiServicePort}` : ''}}
  caBundle: ${Buffer.from(b.caPem).toString('base64')}
`;
}
