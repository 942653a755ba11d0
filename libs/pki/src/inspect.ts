/**
 * Reading certificates back: who a TLS peer certificate names, and whether an existing
 * certificate/key pair is still fit for reuse (issuer, validity, key match, SAN coverage).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface CertSubject {
  commonName: string;
  organizations: string[];
}

/** The subject of a Node TLS peer certificate (`socket.getPeerCertificate()`): CN and O (string or array). */
export function parseCertSubject(peerCert: { subject?: Record<string, string | string[] | undefined> } | null | undefined): CertSubject {
  const subject = peerCert?.subject ?? {};
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cns = list(subject.CN);
  return { commonName: cns[cns.length - 1] ?? '', organizations: list(subject.O) };
}

export interface ReuseCheck {
  /** the CA that must have issued it */
  caCertPem: string;
  /** names the certificate must cover (IPs and DNS names) */
  requiredNames?: string[];
  /** renew when it expires sooner than this (default one day) */
  minRemainingMs?: number;
  now?: number;
}

/** Why an existing certificate cannot be reused, or null when it can. */
export function reuseProblem(certPem: string, keyPem: string, check: ReuseCheck): string | null {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(check.caCertPem);
  } catch (e) {
    return `unreadable certificate: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not issued by the current CA';
  const now = check.now ?? Date.now();
  if (Date.parse(cert.validTo) - now < (check.minRemainingMs ?? 86_400_000)) return 'expired or about to expire';
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return 'private key does not match';
  } catch (e) {
    return `unreadable private key: ${e instanceof Error ? e.message : String(e)}`;
  }
  for (const name of check.requiredNames ?? []) {
    const covered = isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name, { subject: 'never' }) !== undefined;
    if (!covered) return `does not cover ${name}`;
  }
  return null;
}
