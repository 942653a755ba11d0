/**
 * Issuing leaf certificates from a CertificateAuthority: serving certificates (serverAuth, SANs)
 * and client certificates (clientAuth, CN = user name, O = groups), each with a new P-256 key.
 */
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { BACKDATE_MS, type CertificateAuthority } from './certificate-authority';
import { ensureCryptoProvider, exportPrivateKeyPem, generateKeyPair } from './crypto';

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client';
  validityDays?: number;
}

const DAY_MS = 86_400_000;

export async function issueCert(ca: CertificateAuthority, opts: IssueOptions): Promise<IssuedCert> {
  ensureCryptoProvider();
  const keys = await generateKeyPair();
  const now = Date.now();
  const subject: x509.JsonName = [];
  for (const o of opts.organizations ?? []) subject.push({ O: [o] });
  subject.push({ CN: [opts.commonName] });
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([opts.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth], false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  const names: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subjectName,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ca.algorithm,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (opts.validityDays ?? 365) * DAY_MS),
    extensions,
  });
  return { cert, certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey) };
}

/** The names every kube-apiserver serving certificate carries, plus the advertise address and extras. */
export function servingCertNames(advertiseAddress: string, extraSANs: string[] = []): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ipAddresses = ['127.0.0.1'];
  for (const name of [advertiseAddress, ...extraSANs]) {
    if (!name) continue;
    const list = isIP(name) ? ipAddresses : dnsNames;
    if (!list.includes(name)) list.push(name);
  }
  return { dnsNames, ipAddresses };
}

export async function issueServingCert(
  ca: CertificateAuthority,
  opts: { advertiseAddress: string; extraSANs?: string[]; validityDays?: number; commonName?: string },
): Promise<IssuedCert> {
  return issueCert(ca, {
    commonName: opts.commonName ?? 'kube-apiserver',
    ...servingCertNames(opts.advertiseAddress, opts.extraSANs),
    usage: 'server',
    validityDays: opts.validityDays,
  });
}

/** A client certificate authenticating as user `cn` in groups `orgs`. */
export async function issueClientCert(ca: CertificateAuthority, opts: { cn: string; orgs?: string[]; validityDays?: number }): Promise<IssuedCert> {
  return issueCert(ca, { commonName: opts.cn, organizations: opts.orgs ?? [], usage: 'client', validityDays: opts.validityDays });
}
