/**
 * Service-account token keys: public keys to verify (--service-account-key-file, PEM public keys,
 * private keys or certificates, several per file), the private key to sign
 * (--service-account-signing-key-file), key ids (upstream: base64url(sha256(PKIX DER))), the JWS
 * algorithm of a key (RSA → RS256, EC P-256/384/521 → ES256/384/512) and JWKs in upstream's field
 * order. Without keys, a signing key is generated once into the cert dir (sa.key / sa.pub), like
 * the serving certificates, so tokens work out of the box and survive restarts and replicas.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GENERATED_SIGNING_KEY = 'sa.key';
export const GENERATED_PUBLIC_KEY = 'sa.pub';

export interface PublicKeyEntry {
  key: KeyObject;
  kid: string;
  alg: string;
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
  alg: string;
}

export function keyID(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function algorithmFor(pub: KeyObject): string {
  if (pub.asymmetricKeyType === 'rsa') return 'RS256';
  if (pub.asymmetricKeyType === 'ec') {
    switch (pub.asymmetricKeyDetails?.namedCurve) {
      case 'prime256v1':
        return 'ES256';
      case 'secp384r1':
        return 'ES384';
      case 'secp521r1':
        return 'ES512';
    }
  }
  throw new Error(`unknown key type ${pub.asymmetricKeyType ?? ''} ${pub.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

function entryFor(key: KeyObject): PublicKeyEntry {
  return { key, kid: keyID(key), alg: algorithmFor(key) };
}

/** All public keys in PEM text (public keys, private keys, certificates). */
export function parsePublicKeysPEM(pem: string): PublicKeyEntry[] {
  const out: PublicKeyEntry[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    const block = m[0];
    try {
      if (m[1] === 'CERTIFICATE') out.push(entryFor(new X509Certificate(block).publicKey));
      else if (m[1].includes('PRIVATE KEY')) out.push(entryFor(createPublicKey(createPrivateKey(block))));
      else if (m[1].includes('PUBLIC KEY')) out.push(entryFor(createPublicKey(block)));
    } catch {
      // upstream skips blocks that are not RSA/ECDSA keys
    }
  }
  if (out.length === 0) throw new Error('data does not contain any valid RSA or ECDSA public keys');
  return out;
}

export function loadPublicKeyFiles(paths: readonly string[]): PublicKeyEntry[] {
  const out: PublicKeyEntry[] = [];
  for (const p of paths) {
    try {
      out.push(...parsePublicKeysPEM(readFileSync(p, 'utf8')));
    } catch (e) {
      throw new Error(`failed to parse service-account issuer public key file ${p}: ${(e as Error).message}`);
    }
  }
  return out;
}

export function signingKeyFromPEM(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: keyID(publicKey), alg: algorithmFor(publicKey) };
}

export function loadSigningKeyFile(path: string): SigningKey {
  try {
    return signingKeyFromPEM(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`failed to parse service-account-issuer-key-file: ${(e as Error).message}`);
  }
}

/**
 * The generated signing key in certDir (created exclusively, so replicas sharing a cert dir agree);
 * in memory when the directory is not writable.
 */
export function ensureGeneratedSigningKey(certDir: string | undefined): SigningKey {
  const generate = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (!certDir) return signingKeyFromPEM(generate().privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  const keyPath = join(certDir, GENERATED_SIGNING_KEY);
  try {
    return signingKeyFromPEM(readFileSync(keyPath, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'ENOTDIR') throw new Error(`failed to read the generated service account signing key ${keyPath}: ${(e as Error).message}`);
  }
  const { privateKey, publicKey } = generate();
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
  const tmp = `${keyPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(certDir, { recursive: true, mode: 0o700 });
    // written aside, then hard-linked into place: atomic, and EEXIST when another replica won
    writeFileSync(tmp, pem, { mode: 0o600 });
    linkSync(tmp, keyPath);
    writeFileSync(join(certDir, GENERATED_PUBLIC_KEY), publicKey.export({ type: 'spki', format: 'pem' }) as string, { mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return signingKeyFromPEM(readFileSync(keyPath, 'utf8'));
    console.warn(`service account signing key kept in memory (cannot write ${keyPath}: ${(e as Error).message})`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return signingKeyFromPEM(pem);
}

/** One JWK as upstream serves it (go-jose field order: use, kty, kid, crv, alg, x, y / n, e). */
export function publicJWK(entry: PublicKeyEntry): Record<string, string> {
  const jwk = entry.key.export({ format: 'jwk' }) as Record<string, string>;
  if (jwk.kty === 'RSA') return { use: 'sig', kty: 'RSA', kid: entry.kid, alg: entry.alg, n: jwk.n, e: jwk.e };
  return { use: 'sig', kty: 'EC', kid: entry.kid, crv: jwk.crv, alg: entry.alg, x: jwk.x, y: jwk.y };
}
