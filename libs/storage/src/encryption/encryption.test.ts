import { createDecipheriv } from 'node:crypto';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEncryptionConfig, storageTransformerFor, transformerFor, EncryptionConfigError } from './config';
import { aescbcTransformer, aesgcmTransformer, identityTransformer, secretboxTransformer } from './providers';
import { PrefixTransformer, providerPrefixOf, setStorageTransformer, valueFromStorage, valueToStorage } from './transformer';

const k32 = Buffer.alloc(32, 7);
const k32b = Buffer.alloc(32, 9);
const KEY = '/registry/secrets/default/x';
const plain = Buffer.from('{"kind":"Secret","data":{"a":"Yg=="}}');

describe('providers', () => {
  const cases = [
    ['aescbc', aescbcTransformer],
    ['aesgcm', aesgcmTransformer],
    ['secretbox', secretboxTransformer],
  ] as const;
  for (const [name, make] of cases) {
    it(`${name}: round trip, upstream prefix, random per write, wrong key fails`, () => {
      const t = make('key1', k32);
      const out = t.encrypt(plain, Buffer.from(KEY));
      expect(out.subarray(0, t.prefix.length).toString()).toBe(`k8s:enc:${name}:v1:key1:`);
      expect(out.includes(Buffer.from('Secret'))).toBe(false);
      expect(t.encrypt(plain, Buffer.from(KEY)).equals(out)).toBe(false);
      expect(t.decrypt(out.subarray(t.prefix.length), Buffer.from(KEY))).toEqual(plain);
      const other = make('key1', k32b);
      expect(() => {
        const r = other.decrypt(out.subarray(t.prefix.length), Buffer.from(KEY));
        // CBC with a wrong key may pad correctly by chance; it never gives the plaintext back
        if (r.equals(plain)) throw new Error('decrypted with the wrong key');
        throw new Error('garbage');
      }).toThrow();
    });
  }

  it('aescbc layout: IV (16) + AES-CBC/PKCS#7, no authenticated data', () => {
    const t = aescbcTransformer('k', Buffer.alloc(16, 1));
    const body = t.encrypt(plain, Buffer.from('ignored')).subarray(t.prefix.length);
    const d = createDecipheriv('aes-128-cbc', Buffer.alloc(16, 1), body.subarray(0, 16));
    expect(Buffer.concat([d.update(body.subarray(16)), d.final()])).toEqual(plain);
    expect(t.decrypt(body, Buffer.from('another key'))).toEqual(plain);
  });

  it('aesgcm authenticates the storage key: a value moved to another key does not decrypt', () => {
    const t = aesgcmTransformer('k', k32);
    const body = t.encrypt(plain, Buffer.from(KEY)).subarray(t.prefix.length);
    expect(body.length).toBe(12 + plain.length + 16);
    expect(() => t.decrypt(body, Buffer.from('/registry/secrets/default/y'))).toThrow('message authentication failed');
  });

  it('secretbox layout: nonce (24) + nacl secretbox', () => {
    const t = secretboxTransformer('k', k32);
    const body = t.encrypt(plain, Buffer.alloc(0)).subarray(t.prefix.length);
    const open = nacl.secretbox.open(new Uint8Array(body.subarray(24)), new Uint8Array(body.subarray(0, 24)), new Uint8Array(k32));
    expect(Buffer.from(open!)).toEqual(plain);
  });
});

describe('PrefixTransformer', () => {
  it('writes with the first provider, reads any by prefix, flags reads by others as stale', () => {
    const old = aescbcTransformer('key1', k32);
    const rotated = new PrefixTransformer([aescbcTransformer('key2', k32b), old, identityTransformer]);
    const before = new PrefixTransformer([old]).toStorage(plain, KEY);
    expect(rotated.fromStorage(before, KEY)).toEqual({ data: plain, stale: true });
    const after = rotated.toStorage(plain, KEY);
    expect(after.toString('latin1').startsWith('k8s:enc:aescbc:v1:key2:')).toBe(true);
    expect(rotated.fromStorage(after, KEY)).toEqual({ data: plain, stale: false });
    expect(rotated.fromStorage(plain, KEY)).toEqual({ data: plain, stale: true }); // identity reads unprefixed data
    expect(() => new PrefixTransformer([aescbcTransformer('key3', k32)]).fromStorage(after, KEY)).toThrow('no matching prefix found');
    expect(() => new PrefixTransformer([aescbcTransformer('key1', k32)]).fromStorage(plain, KEY)).toThrow('no matching prefix found');
  });

  it('identity first: writes plaintext, still reads encrypted data (decrypting migration)', () => {
    const t = new PrefixTransformer([identityTransformer, aescbcTransformer('key1', k32)]);
    expect(t.toStorage(plain, KEY)).toEqual(plain);
    const enc = aescbcTransformer('key1', k32).encrypt(plain, Buffer.from(KEY));
    expect(t.fromStorage(enc, KEY)).toEqual({ data: plain, stale: true });
  });
});

const b64 = (b: Buffer) => b.toString('base64');
const CONFIG = `
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys: [{name: key1, secret: ${b64(k32)}}]
      - identity: {}
  - resources: ['*.apps']
    providers: [{secretbox: {keys: [{name: s1, secret: ${b64(k32b)}}]}}]
`;

describe('EncryptionConfiguration', () => {
  it('maps group-resources to their providers (exact, *.group, *.*)', () => {
    const cfg = parseEncryptionConfig(CONFIG);
    expect(transformerFor(cfg, { group: '', resource: 'secrets' })?.transformers[0].prefix).toBe('k8s:enc:aesgcm:v1:key1:');
    expect(transformerFor(cfg, { group: 'apps', resource: 'deployments' })?.transformers[0].prefix).toBe('k8s:enc:secretbox:v1:s1:');
    expect(transformerFor(cfg, { group: '', resource: 'configmaps' })).toBeUndefined();
    const all = parseEncryptionConfig(JSON.stringify({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['*.*'], providers: [{ identity: {} }] }] }));
    expect(transformerFor(all, { group: 'x.io', resource: 'widgets' })).toBeDefined();
  });

  it('rejects bad configurations with upstream-like messages', () => {
    const bad = (providers: string) =>
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers: ${providers}\n`;
    expect(() => parseEncryptionConfig(bad(`[{aescbc: {keys: [{name: k, secret: ${b64(Buffer.alloc(10))}}]}}]`))).toThrow(
      'secret is not of the expected length, got 10, expected one of [16 24 32]',
    );
    expect(() => parseEncryptionConfig(bad(`[{secretbox: {keys: [{name: k, secret: ${b64(Buffer.alloc(16))}}]}}]`))).toThrow('expected one of [32]');
    expect(() => parseEncryptionConfig(bad(`[{aescbc: {keys: [{name: k, secret: 'not base64!'}]}}]`))).toThrow('secrets must be base64 encoded');
    expect(() => parseEncryptionConfig(bad(`[{kms: {name: x, endpoint: 'unix:///x'}}]`))).toThrow(/kms.*unsupported/);
    expect(() => parseEncryptionConfig(bad(`[{identity: {}, aescbc: {keys: []}}]`))).toThrow('more than one provider specified in a single element');
    expect(() => parseEncryptionConfig('apiVersion: v1\nkind: Pod\n')).toThrow(EncryptionConfigError);
  });
});

describe('process-wide transformer', () => {
  afterEach(() => setStorageTransformer(undefined));

  it('encrypts only the configured resources, by storage key', () => {
    const cfg = parseEncryptionConfig(CONFIG);
    setStorageTransformer(storageTransformerFor(cfg, (k) => (k.startsWith('/registry/secrets/') ? { group: '', resource: 'secrets' } : { group: '', resource: 'configmaps' })));
    const stored = valueToStorage('{"a":1}', KEY);
    expect(stored.toString('latin1').startsWith('k8s:enc:aesgcm:v1:key1:')).toBe(true);
    expect(valueFromStorage(stored, KEY)).toEqual({ data: '{"a":1}', stale: false });
    expect(valueToStorage('{"a":1}', '/registry/configmaps/a/b').toString()).toBe('{"a":1}');
    expect(() => valueFromStorage(stored, '/registry/secrets/default/moved')).toThrow('unable to transform key "/registry/secrets/default/moved"');
    expect(providerPrefixOf(stored)).toBe('k8s:enc:aesgcm:v1:');
    expect(providerPrefixOf(Buffer.from('{}'))).toBe('identity');
  });
});
