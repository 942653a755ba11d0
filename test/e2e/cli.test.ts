/**
 * The `bin/kubernest apiserver` command as an operator meets it: flag errors exit 1 with one clear
 * line, --help prints the flags, and TLS material is generated on the first start into --cert-dir
 * (CA, serving cert with the right SANs, admin client cert, admin.kubeconfig) and reused later.
 */
import { X509Certificate } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { kubectl, KUBERNEST_BIN } from '../harness/apiserver';
import { freePort } from '../harness/ports';

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KUBERNEST_BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('bin/kubernest apiserver flags', () => {
  it.each([
    [['--bogus'], 'Error: unknown flag: --bogus'],
    [['--secure-port=abc'], 'Error: invalid argument "abc" for "--secure-port" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--service-node-port-range=5-3', '--etcd-servers=http://127.0.0.1:1'], 'end port cannot be less than start port'],
    [[], 'Error: --etcd-servers must be specified'],
  ])('%j exits 1 with a clear message', async (args, message) => {
    const r = await run(['apiserver', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('prints its flags with --help and exits 0', async () => {
    const r = await run(['apiserver', '--help']);
    expect(r.code).toBe(0);
    for (const f of ['--etcd-servers', '--etcd-prefix', '--secure-port', '--cert-dir', '--client-ca-file', '--request-timeout', '--max-requests-inflight']) {
      expect(r.stdout).toContain(f);
    }
  });

  it('rejects an unknown component', async () => {
    const r = await run(['nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown component "nope"');
  });
});

describe('TLS by default', () => {
  let etcd: EtcdInstance;
  let certDir: string;

  beforeAll(async () => {
    etcd = await startEtcd();
    certDir = await mkdtemp(join(tmpdir(), 'kubernest-certs-'));
  });

  afterAll(async () => {
    await etcd?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  async function startOnce(): Promise<{ stop(): Promise<void>; kubeconfig: string }> {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [KUBERNEST_BIN, 'apiserver', `--etcd-servers=${etcd.endpoint}`, `--secure-port=${port}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--cert-dir=${certDir}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const kubeconfig = join(certDir, 'admin.kubeconfig');
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited: ${out}`);
      const r = await kubectl('1.32', kubeconfig, ['get', '--raw', '/readyz']).catch(() => undefined);
      if (r?.stdout === 'ok') break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`not ready: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      kubeconfig,
      stop: () =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }

  it('generates a CA, serving and admin certs and admin.kubeconfig, and reuses them', async () => {
    const first = await startOnce();
    const who = await kubectl('1.32', first.kubeconfig, ['get', 'ns', 'default', '-o', 'name']);
    expect(who.stdout.trim(), who.stderr).toBe('namespace/default');
    await first.stop();

    const ca = await readFile(join(certDir, 'ca.crt'), 'utf8');
    const serving = new X509Certificate(await readFile(join(certDir, 'apiserver.crt')));
    expect(serving.subjectAltName).toContain('DNS:localhost');
    expect(serving.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(serving.checkIssued(new X509Certificate(ca))).toBe(true);
    const admin = new X509Certificate(await readFile(join(certDir, 'admin.crt')));
    expect(admin.subject).toContain('CN=admin');
    expect(admin.subject).toContain('O=system:masters');

    const second = await startOnce();
    expect(await readFile(join(certDir, 'ca.crt'), 'utf8')).toBe(ca);
    expect((await readFile(join(certDir, 'apiserver.crt'), 'utf8')).trim()).toBe(serving.toString().trim());
    const again = await kubectl('1.32', second.kubeconfig, ['get', 'ns', 'default', '-o', 'name']);
    expect(again.stdout.trim(), again.stderr).toBe('namespace/default');
    await second.stop();
  });
});
