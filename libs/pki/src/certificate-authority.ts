/**
 * A certificate authority: its certificate and signing key, created fresh or loaded from PEM.
 */
import * as x509 from '@peculiar/x509';
import { ensureCryptoProvider, exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, type CryptoKey, type KeyAlgorithm, EC_P256 } from './crypto';

export interface CertificateAuthority {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  key: CryptoKey;
  algorithm: KeyAlgorithm;
}

export interface CreateCAOptions {
  commonName?: string;
  validityDays?: number;
}

const DAY_MS = 86_400_000;
/** backdate certificates a little so that small clock skew between hosts does not reject them */
export const BACKDATE_MS = 5 * 60_000;

export async function createCA(opts: CreateCAOptions = {}): Promise<CertificateAuthority> {
  ensureCryptoProvider();
  const keys = await generateKeyPair(EC_P256);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [opts.commonName ?? 'kubernest-ca'] }],
    keys,
    signingAlgorithm: EC_P256,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + (opts.validityDays ?? 3650) * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKeyPem(keys.privateKey), key: keys.privateKey, algorithm: EC_P256 };
}

export async function loadCA(certPem: string, keyPem: string): Promise<CertificateAuthority> {
  ensureCryptoProvider();
  const cert = new x509.X509Certificate(certPem);
  const { key, algorithm } = await importPrivateKeyPem(keyPem);
  return { cert, certPem, keyPem, key, algorithm };
}
