/**
 * Writing kubeconfig files with embedded (base64) certificate data, readable by kubectl and the
 * official clients.
 */
import { stringify } from 'yaml';
import { writeFileAtomic } from './files';

export interface KubeconfigParams {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** user entry name (default 'admin') */
  user?: string;
  /** cluster entry name (default 'kubernest') */
  cluster?: string;
  /** context name (default: the cluster name) */
  context?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function buildKubeconfig(p: KubeconfigParams): string {
  const cluster = p.cluster ?? 'kubernest';
  const user = p.user ?? 'admin';
  const context = p.context ?? cluster;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: p.server, 'certificate-authority-data': b64(p.caPem) } }],
    contexts: [{ name: context, context: { cluster, user } }],
    'current-context': context,
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64(p.certPem), 'client-key-data': b64(p.keyPem) } }],
  }, { lineWidth: 0 });
}

/** Write a kubeconfig (mode 0600: it holds a private key). */
export async function writeKubeconfig(path: string, p: KubeconfigParams): Promise<void> {
  await writeFileAtomic(path, buildKubeconfig(p), 0o600);
}
