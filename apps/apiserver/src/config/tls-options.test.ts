import { createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseApiserverFlags } from './apiserver-options';
import { insecureCipherWarnings, tlsCipherSuites, tlsServingConfigFrom, tlsVersion } from './tls-options';

const ETCD = '--etcd-servers=http://127.0.0.1:2379';

describe('--tls-min-version', () => {
  it('maps upstream names, defaults to TLS 1.2', () => {
    expect(tlsVersion('')).toBe('TLSv1.2');
    expect(tlsVersion('VersionTLS12')).toBe('TLSv1.2');
    expect(tlsVersion('VersionTLS13')).toBe('TLSv1.3');
    expect(tlsVersion('VersionTLS10')).toBe('TLSv1');
    expect(tlsVersion('VersionTLS11')).toBe('TLSv1.1');
  });
  it('rejects unknown versions with upstream text', () => {
    expect(() => parseApiserverFlags([ETCD, '--tls-min-version=TLS1.2'])).toThrow('unknown tls version "TLS1.2"');
    expect(parseApiserverFlags([ETCD, '--tls-min-version=VersionTLS13']).tls).toEqual({ minVersion: 'TLSv1.3' });
  });
});

describe('--tls-cipher-suites', () => {
  it('maps Go names to OpenSSL names, keeping TLS 1.3 suites on', () => {
    const s = tlsCipherSuites(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305']);
    expect(s?.ciphers).toBe('TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305');
    expect(s?.insecure).toEqual([]);
    expect(tlsCipherSuites([])).toBeUndefined();
  });
  it('rejects unknown suites with upstream text', () => {
    expect(() => parseApiserverFlags([ETCD, '--tls-cipher-suites=TLS_FOO'])).toThrow("Cipher suite TLS_FOO not supported or doesn't exist");
    expect(() => tlsCipherSuites(['constructor'])).toThrow("Cipher suite constructor not supported or doesn't exist");
  });
  it('warns about insecure suites as upstream', () => {
    const c = tlsServingConfigFrom({ tlsMinVersion: '', tlsCipherSuites: ['TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'] });
    expect(insecureCipherWarnings(c)).toEqual(["Use of insecure cipher 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' detected."]);
  });
  it('produces cipher strings Node/OpenSSL accept', () => {
    const c = tlsServingConfigFrom({ tlsMinVersion: 'VersionTLS12', tlsCipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'] });
    expect(() => createServer({ minVersion: c.minVersion, ciphers: c.ciphers })).not.toThrow();
  });
});
