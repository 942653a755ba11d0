import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, type CertificateAuthority } from '../../../../libs/pki/src/certificate-authority';
import { issueCert, issueClientCert, issueServingCert } from '../../../../libs/pki/src/issue';
import type { RequestContext } from '../http/context';
import { fakeContext } from './fake-context';
import { X509Authenticator } from './x509-authenticator';

const authn = new X509Authenticator();

function withSocket(socket: unknown) {
  return fakeContext({ socket }).ctx;
}

describe('X509Authenticator with fake sockets', () => {
  it('returns null on plain HTTP and without a certificate', async () => {
    await expect(authn.authenticate(withSocket({ remoteAddress: '127.0.0.1' }))).resolves.toBeNull();
    await expect(authn.authenticate(withSocket({ getPeerCertificate: () => ({}), authorized: false }))).resolves.toBeNull();
  });

  it('maps CN to the name and O (string or list) to groups', async () => {
    const one = { getPeerCertificate: () => ({ subject: { CN: 'admin', O: 'system:masters' } }), authorized: true };
    await expect(authn.authenticate(withSocket(one))).resolves.toEqual({ name: 'admin', groups: ['system:masters'] });
    const many = { getPeerCertificate: () => ({ subject: { CN: 'bob', O: ['a', 'b'] }, ext_key_usage: ['1.3.6.1.5.5.7.3.2'] }), authorized: true };
    await expect(authn.authenticate(withSocket(many))).resolves.toEqual({ name: 'bob', groups: ['a', 'b'] });
  });

  it('ignores certificates without a CN', async () => {
    const s = { getPeerCertificate: () => ({ subject: { O: 'x' } }), authorized: true };
    await expect(authn.authenticate(withSocket(s))).resolves.toBeNull();
  });

  it('rejects certificates that do not verify or are not for client auth', async () => {
    const bad = { getPeerCertificate: () => ({ subject: { CN: 'x' } }), authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' };
    await expect(authn.authenticate(withSocket(bad))).rejects.toThrow(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    const server = { getPeerCertificate: () => ({ subject: { CN: 'x' }, ext_key_usage: ['1.3.6.1.5.5.7.3.1'] }), authorized: true };
    await expect(authn.authenticate(withSocket(server))).rejects.toThrow('x509: certificate specifies an incompatible key usage');
  });
});

describe('X509Authenticator over real TLS', () => {
  let ca: CertificateAuthority;
  let server: Server;
  let port: number;
  const results: Array<{ user?: unknown; error?: string }> = [];

  beforeAll(async () => {
    ca = await createCA();
    const serving = await issueServingCert(ca, { advertiseAddress: '127.0.0.1' });
    server = createServer({ key: serving.keyPem, cert: serving.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const ctx = { req, res } as unknown as RequestContext;
      authn.authenticate(ctx).then(
        (user) => results.push({ user }),
        (e: Error) => results.push({ error: e.message }),
      ).finally(() => res.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  const get = (cert?: string, key?: string) =>
    new Promise<void>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path: '/', ca: ca.certPem, cert, key, agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      r.on('error', reject);
      r.end();
    });

  it('authenticates CA-signed client certs and rejects others', async () => {
    const jane = await issueClientCert(ca, { cn: 'jane', orgs: ['dev', 'ops'] });
    const otherCA = await createCA();
    const stranger = await issueClientCert(otherCA, { cn: 'mallory', orgs: ['system:masters'] });
    const serverUsage = await issueCert(ca, { commonName: 'svc', usage: 'server' });
    await get(jane.certPem, jane.keyPem);
    await get();
    await get(stranger.certPem, stranger.keyPem);
    await get(serverUsage.certPem, serverUsage.keyPem);
    expect(results[0]).toEqual({ user: { name: 'jane', groups: ['dev', 'ops'] } });
    expect(results[1]).toEqual({ user: null });
    expect(results[2].error).toMatch(/failed/);
    expect(results[3].error).toMatch(/INVALID_PURPOSE/); // OpenSSL checks the client-auth purpose itself
  });
});
