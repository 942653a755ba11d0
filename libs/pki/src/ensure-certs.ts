/**
 * First-start PKI for the API server: a CA, a serving certificate, an admin client certificate and
 * an admin kubeconfig in the cert dir. Later starts reuse what is there; the serving certificate is
 * reissued only when it no longer fits (other CA, expiring, wrong key, names not covered), and an
 * existing CA is never replaced.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createCA, loadCA, type CertificateAuthority } from './certificate-authority';
import { readIfExists, writeFileAtomic } from './files';
import { issueClientCert, issueServingCert, servingCertNames } from './issue';
import { reuseProblem } from './inspect';
import { buildKubeconfig } from './kubeconfig';

export interface EnsureCertsOptions {
  /** an IP (or DNS name) clients use to reach this server; always in the serving certificate's SANs */
  advertiseAddress: string;
  /** extra SANs (IPs or DNS names) for the serving certificate */
  extraSANs?: string[];
  /** validity of issued leaf certificates (default 365 days; the CA gets 10 years) */
  validityDays?: number;
  /** server URL written into admin.kubeconfig (default https://127.0.0.1:6443) */
  server?: string;
}

export interface CertBundle {
  certDir: string;
  caCertPath: string;
  caKeyPath: string;
  servingCertPath: string;
  servingKeyPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  adminKubeconfigPath: string;
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  /** the loaded CA, e.g. for issueClientCert in tests */
  ca: CertificateAuthority;
  /** what this call (re)generated */
  generated: { ca: boolean; serving: boolean; admin: boolean; kubeconfig: boolean };
}

export const CERT_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  servingCert: 'apiserver.crt',
  servingKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  adminKubeconfig: 'admin.kubeconfig',
} as const;

const CERT_MODE = 0o644;
const KEY_MODE = 0o600;

async function ensureCA(caCertPath: string, caKeyPath: string): Promise<{ ca: CertificateAuthority; generated: boolean }> {
  const [certPem, keyPem] = await Promise.all([readIfExists(caCertPath), readIfExists(caKeyPath)]);
  if (certPem !== undefined && keyPem !== undefined) return { ca: await loadCA(certPem, keyPem), generated: false };
  if (certPem !== undefined || keyPem !== undefined) {
    throw new Error(`incomplete CA in ${caCertPath} / ${caKeyPath}: both the certificate and its key are needed (the CA is never regenerated)`);
  }
  const ca = await createCA();
  await writeFileAtomic(caKeyPath, ca.keyPem, KEY_MODE);
  await writeFileAtomic(caCertPath, ca.certPem, CERT_MODE);
  return { ca, generated: true };
}

async function ensurePair(
  certPath: string,
  keyPath: string,
  ca: CertificateAuthority,
  requiredNames: string[],
  issue: () => Promise<{ certPem: string; keyPem: string }>,
): Promise<{ certPem: string; keyPem: string; generated: boolean }> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem !== undefined && keyPem !== undefined && reuseProblem(certPem, keyPem, { caCertPem: ca.certPem, requiredNames }) === null) {
    return { certPem, keyPem, generated: false };
  }
  const issued = await issue();
  await writeFileAtomic(keyPath, issued.keyPem, KEY_MODE);
  await writeFileAtomic(certPath, issued.certPem, CERT_MODE);
  return { certPem: issued.certPem, keyPem: issued.keyPem, generated: true };
}

export async function ensureCerts(certDir: string, opts: EnsureCertsOptions): Promise<CertBundle> {
  await fs.mkdir(certDir, { recursive: true, mode: 0o700 });
  const p = (f: string) => join(certDir, f);
  const paths = {
    caCertPath: p(CERT_FILES.caCert),
    caKeyPath: p(CERT_FILES.caKey),
    servingCertPath: p(CERT_FILES.servingCert),
    servingKeyPath: p(CERT_FILES.servingKey),
    adminCertPath: p(CERT_FILES.adminCert),
    adminKeyPath: p(CERT_FILES.adminKey),
    adminKubeconfigPath: p(CERT_FILES.adminKubeconfig),
  };

  const { ca, generated: caGenerated } = await ensureCA(paths.caCertPath, paths.caKeyPath);
  const names = servingCertNames(opts.advertiseAddress, opts.extraSANs);
  const [serving, admin] = await Promise.all([
    ensurePair(paths.servingCertPath, paths.servingKeyPath, ca, [...names.dnsNames, ...names.ipAddresses], () =>
      issueServingCert(ca, { advertiseAddress: opts.advertiseAddress, extraSANs: opts.extraSANs, validityDays: opts.validityDays }),
    ),
    ensurePair(paths.adminCertPath, paths.adminKeyPath, ca, [], () =>
      issueClientCert(ca, { cn: 'admin', orgs: ['system:masters'], validityDays: opts.validityDays }),
    ),
  ]);

  const kubeconfig = buildKubeconfig({
    server: opts.server ?? 'https://127.0.0.1:6443',
    caPem: ca.certPem,
    certPem: admin.certPem,
    keyPem: admin.keyPem,
    user: 'admin',
    cluster: 'kubernest',
  });
  const existing = await readIfExists(paths.adminKubeconfigPath);
  const kubeconfigChanged = existing !== kubeconfig;
  if (kubeconfigChanged) await writeFileAtomic(paths.adminKubeconfigPath, kubeconfig, KEY_MODE);

  return {
    certDir,
    ...paths,
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    ca,
    generated: { ca: caGenerated, serving: serving.generated, admin: admin.generated, kubeconfig: kubeconfigChanged },
  };
}
