/**
 * Key handling on Node's WebCrypto: ECDSA P-256 key pairs (fast to generate), PKCS#8 PEM export,
 * and import of existing private keys in any PEM form Node reads (PKCS#8, SEC1 EC, PKCS#1 RSA).
 */
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Signing algorithm + import parameters for a key. */
export type KeyAlgorithm =
  | { name: 'ECDSA'; namedCurve: 'P-256' | 'P-384'; hash: 'SHA-256' | 'SHA-384' }
  | { name: 'RSASSA-PKCS1-v1_5'; hash: 'SHA-256' };

export const EC_P256: KeyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

let providerSet = false;
/** @peculiar/x509 needs a WebCrypto provider; use Node's. */
export function ensureCryptoProvider(): void {
  if (providerSet) return;
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  providerSet = true;
}

export async function generateKeyPair(alg: KeyAlgorithm = EC_P256): Promise<CryptoKeyPair> {
  if (alg.name !== 'ECDSA') throw new Error('only ECDSA keys are generated');
  return webcrypto.subtle.generateKey({ name: alg.name, namedCurve: alg.namedCurve }, true, ['sign', 'verify']);
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return toPem(der, 'PRIVATE KEY');
}

export function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Import a private key PEM for signing; returns the key and the algorithm to sign with. */
export async function importPrivateKeyPem(pem: string): Promise<{ key: CryptoKey; algorithm: KeyAlgorithm }> {
  const ko = createPrivateKey(pem);
  const der = ko.export({ type: 'pkcs8', format: 'der' });
  let algorithm: KeyAlgorithm;
  if (ko.asymmetricKeyType === 'ec') {
    const curve = ko.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') algorithm = EC_P256;
    else if (curve === 'secp384r1') algorithm = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    else throw new Error(`unsupported EC curve ${curve}`);
  } else if (ko.asymmetricKeyType === 'rsa') {
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else {
    throw new Error(`unsupported private key type ${ko.asymmetricKeyType}`);
  }
  const importParams = algorithm.name === 'ECDSA' ? { name: 'ECDSA', namedCurve: algorithm.namedCurve } : { name: algorithm.name, hash: algorithm.hash };
  const key = await webcrypto.subtle.importKey('pkcs8', der, importParams, true, ['sign']);
  return { key, algorithm };
}

/** SubjectPublicKeyInfo DER of a private key PEM (to check that a key matches a certificate). */
export function publicKeyDerOf(privateKeyPem: string): Buffer {
  return createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
}
