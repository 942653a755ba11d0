import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureCerts } from './ensure-certs';
import { parseCertSubject } from './inspect';
import { issueClientCert } from './issue';

const execFileAsync = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kubernest-pki-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe('ensureCerts', () => {
  it('generates CA, serving, admin certs and kubeconfig on first start, quickly', async () => {
    const t0 = performance.now();
    const b = await ensureCerts(dir, { advertiseAddress: '10.1.2.3', extraSANs: ['api.example.test', '192.0.2.7'], server: 'https://127.0.0.1:7443' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(b.generated).toEqual({ ca: true, serving: true, admin: true, kubeconfig: true });
    for (const f of ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key', 'admin.crt', 'admin.key', 'admin.kubeconfig']) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    expect(mode(b.caKeyPath)).toBe(0o600);
    expect(mode(b.servingKeyPath)).toBe(0o600);
    expect(mode(b.adminKeyPath)).toBe(0o600);
    expect(mode(b.adminKubeconfigPath)).toBe(0o600);
    expect(mode(b.caCertPath)).toBe(0o644);
    expect(b.servingKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await fs.readFile(b.servingCertPath, 'utf8')).toBe(b.servingCertPem);

    const ca = new X509Certificate(b.caCertPem);
    expect(ca.ca).toBe(true);
    const serving = new X509Certificate(b.servingCertPem);
    expect(serving.checkIssued(ca) && serving.verify(ca.publicKey)).toBe(true);
    expect(serving.ca).toBe(false);
    for (const ip of ['127.0.0.1', '10.1.2.3', '192.0.2.7']) expect(serving.checkIP(ip)).toBe(ip);
    for (const host of ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'api.example.test']) {
      expect(serving.checkHost(host, { subject: 'never' })).toBe(host);
    }
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);

    const admin = new X509Certificate(b.adminCertPem);
    expect(admin.subject.split('\n').sort()).toEqual(['CN=admin', 'O=system:masters']);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(admin.checkIssued(ca)).toBe(true);

    const kc = parseYaml(await fs.readFile(b.adminKubeconfigPath, 'utf8'));
    expect(kc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'kubernest',
      clusters: [{ name: 'kubernest', cluster: { server: 'https://127.0.0.1:7443' } }],
      contexts: [{ name: 'kubernest', context: { cluster: 'kubernest', user: 'admin' } }],
      users: [{ name: 'admin' }],
    });
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(b.caCertPem);
    expect(Buffer.from(kc.users[0].user['client-certificate-data'], 'base64').toString()).toBe(b.adminCertPem);
    expect(Buffer.from(kc.users[0].user['client-key-data'], 'base64').toString()).toBe(b.adminKeyPem);
  });

  it('reuses existing files on later starts', async () => {
    const first = await ensureCerts(dir, { advertiseAddress: '10.1.2.3' });
    const second = await ensureCerts(dir, { advertiseAddress: '10.1.2.3' });
    expect(second.generated).toEqual({ ca: false, serving: false, admin: false, kubeconfig: false });
    expect(second.caCertPem).toBe(first.caCertPem);
    expect(second.servingCertPem).toBe(first.servingCertPem);
    expect(second.adminKeyPem).toBe(first.adminKeyPem);
    // a new server URL only rewrites the kubeconfig
    const third = await ensureCerts(dir, { advertiseAddress: '10.1.2.3', server: 'https://127.0.0.1:9443' });
    expect(third.generated).toEqual({ ca: false, serving: false, admin: false, kubeconfig: true });
  });

  it('reissues only the serving cert when the advertise address is not covered', async () => {
    const first = await ensureCerts(dir, { advertiseAddress: '10.1.2.3' });
    const moved = await ensureCerts(dir, { advertiseAddress: '10.9.9.9' });
    expect(moved.generated).toEqual({ ca: false, serving: true, admin: false, kubeconfig: false });
    expect(moved.caCertPem).toBe(first.caCertPem);
    expect(new X509Certificate(moved.servingCertPem).checkIP('10.9.9.9')).toBe('10.9.9.9');
  });

  it('reissues leaf certs signed by another CA, but never replaces an existing CA', async () => {
    const first = await ensureCerts(dir, { advertiseAddress: '127.0.0.1' });
    const other = await fs.mkdtemp(join(tmpdir(), 'kubernest-pki-other-'));
    try {
      const foreign = await ensureCerts(other, { advertiseAddress: '127.0.0.1' });
      await fs.copyFile(foreign.servingCertPath, first.servingCertPath);
      await fs.copyFile(foreign.servingKeyPath, first.servingKeyPath);
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
    const again = await ensureCerts(dir, { advertiseAddress: '127.0.0.1' });
    expect(again.generated.ca).toBe(false);
    expect(again.generated.serving).toBe(true);
    expect(new X509Certificate(again.servingCertPem).checkIssued(new X509Certificate(first.caCertPem))).toBe(true);

    await fs.rm(first.caKeyPath);
    await expect(ensureCerts(dir, { advertiseAddress: '127.0.0.1' })).rejects.toThrow(/incomplete CA/);
  });
});

describe('the generated files work with TLS clients', () => {
  /** An HTTPS server using the generated serving cert that records the client certificate subject. */
  async function startServer(b: Awaited<ReturnType<typeof ensureCerts>>) {
    const seen: Array<{ authorized: boolean; commonName: string; organizations: string[] }> = [];
    const server = createHttpsServer(
      { key: b.servingKeyPem, cert: b.servingCertPem, ca: b.caCertPem, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const sock = req.socket as TLSSocket;
        seen.push({ authorized: sock.authorized, ...parseCertSubject(sock.getPeerCertificate()) });
        const body = JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(body);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { server, port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('Node https: the server accepts the PKCS#8 keys and sees the client certificate', async () => {
    const b = await ensureCerts(dir, { advertiseAddress: '127.0.0.1' });
    const bob = await issueClientCert(b.ca, { cn: 'bob', orgs: ['dev', 'ops'] });
    const srv = await startServer(b);
    try {
      const get = (cert?: string, key?: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port: srv.port, path: '/version', ca: b.caCertPem, cert, key, servername: 'localhost' }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get(b.adminCertPem, b.adminKeyPem)).toBe(200);
      expect(await get(bob.certPem, bob.keyPem)).toBe(200);
      expect(await get()).toBe(200);
      expect(srv.seen).toEqual([
        { authorized: true, commonName: 'admin', organizations: ['system:masters'] },
        { authorized: true, commonName: 'bob', organizations: ['dev', 'ops'] },
        { authorized: false, commonName: '', organizations: [] },
      ]);
    } finally {
      await srv.close();
    }
  });

  for (const version of ['1.32', '1.27']) {
    const kubectl = `/usr/lib/google-cloud-sdk/bin/kubectl.${version}`;
    it.skipIf(!existsSync(kubectl))(`kubectl ${version} accepts admin.kubeconfig`, async () => {
      const home = await fs.mkdtemp(join(tmpdir(), 'kubernest-home-'));
      const srv = await startServer(await ensureCerts(dir, { advertiseAddress: '127.0.0.1', server: 'https://127.0.0.1:1' }));
      try {
        const b = await ensureCerts(dir, { advertiseAddress: '127.0.0.1', server: `https://127.0.0.1:${srv.port}` });
        const { stdout } = await execFileAsync(kubectl, ['--kubeconfig', b.adminKubeconfigPath, 'get', '--raw', '/version'], {
          env: { PATH: process.env.PATH ?? '', HOME: home },
          timeout: 20_000,
        });
        expect(JSON.parse(stdout)).toMatchObject({ gitVersion: 'v1.32.0' });
        expect(srv.seen.at(-1)).toEqual({ authorized: true, commonName: 'admin', organizations: ['system:masters'] });
      } finally {
        await srv.close();
        await fs.rm(home, { recursive: true, force: true });
      }
    });
  }
});
