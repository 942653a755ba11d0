/** Flags of `kubernest konnectivity-server` for agent authentication and identity binding, and the agent's health flags. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKonnectivityAgentFlags } from '../../konnectivity-agent/src/options';
import { parseKonnectivityServerFlags } from './options';
import { nodeLookup } from './token-review';

const dir = mkdtempSync(join(tmpdir(), 'kubernest-konn-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('konnectivity-server agent authentication flags (upstream validation)', () => {
  const auth = ['--agent-namespace=kube-system', '--agent-service-account=konnectivity-agent', '--authentication-audience=system:konnectivity-server'];

  it('off by default; identity binding on by default', () => {
    const o = parseKonnectivityServerFlags([]);
    expect(o.tokenAuth).toBeUndefined();
    expect(o.bindAgentIdentity).toBe(true);
    expect(parseKonnectivityServerFlags(['--bind-agent-identity=false']).bindAgentIdentity).toBe(false);
  });

  it('needs all three flags, and not --cluster-ca-cert', () => {
    expect(() => parseKonnectivityServerFlags(['--agent-namespace=x'])).toThrow('--agent-service-account cannot be empty when agent authentication is enabled');
    expect(() => parseKonnectivityServerFlags(['--authentication-audience=a'])).toThrow('--agent-namespace cannot be empty when agent authentication is enabled');
    expect(() => parseKonnectivityServerFlags(['--agent-namespace=x', '--agent-service-account=y'])).toThrow('--authentication-audience cannot be empty when agent authentication is enabled');
    expect(() => parseKonnectivityServerFlags([...auth, '--cluster-cert=c', '--cluster-key=k', '--cluster-ca-cert=ca'])).toThrow(
      '--cluster-ca-cert can not be used when agent authentication is enabled',
    );
    expect(() => parseKonnectivityServerFlags([...auth, `--kubeconfig=${join(dir, 'missing')}`])).toThrow(/checking KubeconfigPath/);
    const kc = join(dir, 'kubeconfig');
    writeFileSync(kc, 'apiVersion: v1\nkind: Config\n');
    expect(parseKonnectivityServerFlags([...auth, `--kubeconfig=${kc}`]).tokenAuth).toEqual({
      namespace: 'kube-system',
      serviceAccount: 'konnectivity-agent',
      audience: 'system:konnectivity-server',
      kubeconfig: kc,
    });
  });

  it('reads the addresses and pod CIDRs of a Node', async () => {
    const client = {
      get: async () => ({
        spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] },
        status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'node-a' }, { type: 'ExternalIP', address: '203.0.113.5' }] },
      }),
    };
    const n = await nodeLookup(client as never)('node-a');
    expect(n).toEqual({ hosts: ['node-a'], ips: ['10.0.0.5', '203.0.113.5'], cidrs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
    const missing = await nodeLookup({ get: async () => Promise.reject(new Error('404')) } as never)('x');
    expect(missing).toBeUndefined();
  });
});

describe('konnectivity-agent health and token flags', () => {
  it('upstream defaults 8093/8094, admin on loopback', () => {
    expect(parseKonnectivityAgentFlags([]).health).toEqual({ healthPort: 8093, healthHost: '', adminPort: 8094, adminHost: '127.0.0.1' });
  });
  it('the token file is re-read for every stream', () => {
    const f = join(dir, 'token');
    writeFileSync(f, 'one\n');
    const o = parseKonnectivityAgentFlags([`--service-account-token-path=${f}`]);
    const read = o.bearerToken as () => string;
    expect(read()).toBe('one');
    writeFileSync(f, 'two');
    expect(read()).toBe('two');
    expect(() => parseKonnectivityAgentFlags([`--service-account-token-path=${join(dir, 'nope')}`])).toThrow(/error checking service account token path/);
  });
});
