/**
 * Transport hardening end to end: --tls-min-version and --tls-cipher-suites reach the HTTPS server
 * (a TLS 1.2 client is refused under VersionTLS13; only the listed TLS 1.2 suite is negotiated), and a
 * bad flag value stops the server with upstream's error text.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, KUBERNEST_BIN, startApiserver } from '../harness/apiserver';
import { startEtcd, type EtcdInstance } from '../harness/etcd';

let etcd: EtcdInstance;
let tls13: ApiserverInstance;
let suites: ApiserverInstance;

beforeAll(async () => {
  etcd = await startEtcd();
  tls13 = await startApiserver({ etcd, extraArgs: ['--tls-min-version=VersionTLS13'] });
  suites = await startApiserver({ etcd, extraArgs: ['--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'] });
}, 90_000);

afterAll(async () => {
  await tls13?.stop();
  await suites?.stop();
  await etcd?.stop();
});

function handshake(port: number, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<{ ok: boolean; protocol?: string; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => {
      const r = { ok: true, protocol: s.getProtocol() ?? undefined, cipher: s.getCipher().standardName };
      s.end();
      resolve(r);
    });
    s.on('error', (e) => resolve({ ok: false, error: e.message }));
  });
}

describe('transport hardening', () => {
  it('refuses TLS 1.2 under --tls-min-version=VersionTLS13', async () => {
    expect((await handshake(tls13.port, { maxVersion: 'TLSv1.2' })).ok).toBe(false);
    const ok = await handshake(tls13.port, {});
    expect(ok).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  it('negotiates only the listed TLS 1.2 suites, TLS 1.3 stays on', async () => {
    const listed = await handshake(suites.port, { maxVersion: 'TLSv1.2' });
    expect(listed).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256' });
    const other = await handshake(suites.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    expect(other.ok).toBe(false);
    expect((await handshake(suites.port, {})).protocol).toBe('TLSv1.3');
    expect((await suites.request('GET', '/livez')).status).toBe(200);
  });

  it('rejects unknown versions and suites with upstream text', async () => {
    const run = (flag: string) =>
      new Promise<string>((resolve) => execFile(process.execPath, [KUBERNEST_BIN, 'apiserver', `--etcd-servers=${etcd.endpoint}`, flag], { timeout: 20_000 }, (_e, out, err) => resolve(String(out) + String(err))));
    expect(await run('--tls-min-version=VersionTLS14')).toContain('unknown tls version "VersionTLS14"');
    expect(await run('--tls-cipher-suites=TLS_NOPE')).toContain("Cipher suite TLS_NOPE not supported or doesn't exist");
  });
});
