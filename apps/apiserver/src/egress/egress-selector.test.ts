import { describe, expect, it } from 'vitest';
import { dialerFor, directDialer, parseEgressSelectorConfig } from './egress-selector';

const doc = (sel: string, av = 'apiserver.k8s.io/v1beta1') => `apiVersion: ${av}\nkind: EgressSelectorConfiguration\negressSelections:\n${sel}`;

describe('parseEgressSelectorConfig', () => {
  it('accepts GRPC over tcp and uds, HTTPConnect and Direct (v1 and v1beta1)', () => {
    const c = parseEgressSelectorConfig(
      doc(
        '- name: cluster\n  connection:\n    proxyProtocol: GRPC\n    transport:\n      uds:\n        udsName: /run/konnectivity.sock\n' +
          '- name: controlplane\n  connection:\n    proxyProtocol: HTTPConnect\n    transport:\n      tcp:\n        url: http://127.0.0.1:8090\n' +
          '- name: etcd\n  connection:\n    proxyProtocol: Direct\n',
        'apiserver.k8s.io/v1',
      ),
    );
    expect(c.selections.map((s) => [s.name, s.proxyProtocol])).toEqual([
      ['cluster', 'GRPC'],
      ['controlplane', 'HTTPConnect'],
      ['etcd', 'Direct'],
    ]);
    expect(c.selections[0].transport).toEqual({ uds: { udsName: '/run/konnectivity.sock' } });
    expect(dialerFor(c, 'etcd')).toBe(directDialer);
    expect(dialerFor(undefined, 'cluster')).toBe(directDialer);
  });

  it('rejects bad documents with upstream-like messages', () => {
    expect(() => parseEgressSelectorConfig(doc('- name: cluster\n  connection:\n    proxyProtocol: Carrier\n'))).toThrow(/proxyProtocol: Unsupported value: "Carrier"/);
    expect(() => parseEgressSelectorConfig(doc('- name: master\n  connection:\n    proxyProtocol: Direct\n'))).toThrow(/name: Unsupported value: "master"/);
    expect(() => parseEgressSelectorConfig(doc('- name: cluster\n  connection:\n    proxyProtocol: GRPC\n'))).toThrow(/transport: Required value/);
    expect(() =>
      parseEgressSelectorConfig(doc('- name: cluster\n  connection:\n    proxyProtocol: GRPC\n    transport:\n      tcp:\n        url: https://k:8090\n')),
    ).toThrow(/tlsConfig: Required value/);
    expect(() => parseEgressSelectorConfig(doc('- name: cluster\n  connection:\n    proxyProtocol: Direct\n- name: cluster\n  connection:\n    proxyProtocol: Direct\n'))).toThrow(/Duplicate value/);
    expect(() => parseEgressSelectorConfig('apiVersion: v1\nkind: Pod\n')).toThrow(/kind must be EgressSelectorConfiguration/);
  });
});
