/**
 * The value transformers of k8s.io/apiserver/pkg/storage/value/encrypt: identity, aescbc, aesgcm
 * and secretbox, each writing `k8s:enc:<provider>:v1:<keyname>:` + its ciphertext exactly as
 * upstream lays it out (aescbc: 16-byte IV + AES-CBC with PKCS#7 padding; aesgcm: 12-byte nonce +
 * ciphertext + 16-byte tag, the storage key as authenticated data; secretbox: 24-byte nonce +
 * XSalsa20-Poly1305 box). Synchronous on purpose: the backends decode values synchronously.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

/** One key of one provider: strips/adds its own prefix. */
export interface KeyTransformer {
  /** the full prefix, e.g. `k8s:enc:aescbc:v1:key1:` ('' for identity) */
  readonly prefix: string;
  /** plaintext -> prefix + ciphertext */
  encrypt(plain: Buffer, authenticatedData: Buffer): Buffer;
  /** the bytes AFTER the prefix -> plaintext (throws on a wrong key / corrupt data) */
  decrypt(data: Buffer, authenticatedData: Buffer): Buffer;
}

export const identityTransformer: KeyTransformer = {
  prefix: '',
  encrypt: (plain) => plain,
  decrypt: (data) => data,
};

function aesAlgorithm(mode: 'cbc' | 'gcm', key: Buffer): string {
  return `aes-${key.length * 8}-${mode}`;
}

export function aescbcTransformer(name: string, key: Buffer): KeyTransformer {
  const alg = aesAlgorithm('cbc', key);
  const prefix = `k8s:enc:aescbc:v1:${name}:`;
  const prefixBuf = Buffer.from(prefix);
  return {
    prefix,
    encrypt(plain) {
      const iv = randomBytes(16);
      const c = createCipheriv(alg, key, iv); // PKCS#7 padding is Node's default
      return Buffer.concat([prefixBuf, iv, c.update(plain), c.final()]);
    },
    decrypt(data) {
      if (data.length < 16) throw new Error('the stored data was shorter than the required size');
      if ((data.length - 16) % 16 !== 0) throw new Error('invalid block size');
      const d = createDecipheriv(alg, key, data.subarray(0, 16));
      try {
        return Buffer.concat([d.update(data.subarray(16)), d.final()]);
      } catch {
        throw new Error('invalid PKCS7 data (empty or not padded)');
      }
    },
  };
}

export function aesgcmTransformer(name: string, key: Buffer): KeyTransformer {
  const alg = aesAlgorithm('gcm', key);
  const prefix = `k8s:enc:aesgcm:v1:${name}:`;
  const prefixBuf = Buffer.from(prefix);
  return {
    prefix,
    encrypt(plain, ad) {
      const nonce = randomBytes(12);
      const c = createCipheriv(alg, key, nonce) as import('node:crypto').CipherGCM;
      c.setAAD(ad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return Buffer.concat([prefixBuf, nonce, body, c.getAuthTag()]);
    },
    decrypt(data, ad) {
      if (data.length < 12 + 16) throw new Error('the stored data was shorter than the required size');
      const d = createDecipheriv(alg, key, data.subarray(0, 12)) as import('node:crypto').DecipherGCM;
      d.setAAD(ad);
      d.setAuthTag(data.subarray(data.length - 16));
      try {
        return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
      } catch {
        throw new Error('cipher: message authentication failed');
      }
    },
  };
}

export function secretboxTransformer(name: string, key: Buffer): KeyTransformer {
  const prefix = `k8s:enc:secretbox:v1:${name}:`;
  const prefixBuf = Buffer.from(prefix);
  const k = new Uint8Array(key);
  return {
    prefix,
    encrypt(plain) {
      const nonce = randomBytes(24);
      const box = nacl.secretbox(new Uint8Array(plain), new Uint8Array(nonce), k);
      return Buffer.concat([prefixBuf, nonce, Buffer.from(box)]);
    },
    decrypt(data) {
      if (data.length < 24) throw new Error('the stored data was shorter than the required size');
      const out = nacl.secretbox.open(new Uint8Array(data.subarray(24)), new Uint8Array(data.subarray(0, 24)), k);
      if (out === null) throw new Error('output array was not large enough for encryption');
      return Buffer.from(out);
    },
  };
}
