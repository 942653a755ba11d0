import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureGeneratedSigningKey, loadPublicKeyFiles, parsePublicKeysPEM, publicJWK } from './sa-keys';

const dir = mkdtempSync(join(tmpdir(), 'sa-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('service account keys', () => {
  it('generates the signing key once in the cert dir', () => {
    const a = ensureGeneratedSigningKey(dir);
    expect(existsSync(join(dir, 'sa.key'))).toBe(true);
    expect(existsSync(join(dir, 'sa.pub'))).toBe(true);
    const b = ensureGeneratedSigningKey(dir);
    expect(b.kid).toBe(a.kid);
    expect(a.alg).toBe('RS256');
    // the public key file verifies what the private key signs
    expect(parsePublicKeysPEM(readFileSync(join(dir, 'sa.pub'), 'utf8'))[0].kid).toBe(a.kid);
  });

  it('reads public keys, private keys and several keys per file; JWKs in upstream order', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = join(dir, 'keys.pem');
    writeFileSync(file, `${ec.publicKey.export({ type: 'spki', format: 'pem' })}\n${rsa.privateKey.export({ type: 'pkcs1', format: 'pem' })}`);
    const keys = loadPublicKeyFiles([file]);
    expect(keys.map((k) => k.alg)).toEqual(['ES384', 'RS256']);
    expect(Object.keys(publicJWK(keys[0]))).toEqual(['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
    expect(Object.keys(publicJWK(keys[1]))).toEqual(['use', 'kty', 'kid', 'alg', 'n', 'e']);
    const bad = join(dir, 'bad.pem');
    writeFileSync(bad, 'nothing here');
    expect(() => loadPublicKeyFiles([bad])).toThrow('data does not contain any valid RSA or ECDSA public keys');
  });
});
