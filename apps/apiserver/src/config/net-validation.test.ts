import { describe, expect, it } from 'vitest';
import { defaultAdvertiseAddress } from './advertise-address';
import { isHostPort, isHttpURL, isUnspecifiedIP, parseCIDR } from './net-validation';

describe('parseCIDR', () => {
  it('parses and masks like net.ParseCIDR', () => {
    expect(parseCIDR('10.0.0.0/24')).toEqual({ network: '10.0.0.0', prefixLength: 24, family: 4, bits: 32, cidr: '10.0.0.0/24' });
    expect(parseCIDR('10.0.0.77/24')?.cidr).toBe('10.0.0.0/24');
    expect(parseCIDR('fd00:10:96::1/108')?.cidr).toBe('fd00:10:96::/108');
    expect(parseCIDR('::/0')?.cidr).toBe('::/0');
  });
  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0/24', 'abc/8', '10.0.0.0/x', 'fd00::/129'])('rejects %s', (t) => {
    expect(parseCIDR(t)).toBeNull();
  });
});

describe('address helpers', () => {
  it('host:port', () => {
    expect(isHostPort('127.0.0.1:2379')).toBe(true);
    expect(isHostPort('cache-0:8080')).toBe(true);
    expect(isHostPort('[::1]:8080')).toBe(true);
    expect(isHostPort('127.0.0.1')).toBe(false);
    expect(isHostPort('host:99999')).toBe(false);
    expect(isHostPort('::1:80')).toBe(false);
  });
  it('etcd URLs', () => {
    expect(isHttpURL('http://127.0.0.1:2379')).toBe(true);
    expect(isHttpURL('https://etcd.example:2379')).toBe(true);
    expect(isHttpURL('127.0.0.1:2379')).toBe(false);
    expect(isHttpURL('unix:///tmp/sock')).toBe(false);
  });
  it('unspecified addresses', () => {
    expect(isUnspecifiedIP('0.0.0.0')).toBe(true);
    expect(isUnspecifiedIP('::')).toBe(true);
    expect(isUnspecifiedIP('0:0::0')).toBe(true);
    expect(isUnspecifiedIP('127.0.0.1')).toBe(false);
  });
});

describe('defaultAdvertiseAddress', () => {
  const ifaces = () => ({
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '', internal: true, cidr: null }],
    eth0: [
      { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: null, scopeid: 1 },
      { address: '192.168.1.5', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '', internal: false, cidr: null },
    ],
  });
  it('uses a specific bind address', () => {
    expect(defaultAdvertiseAddress('10.1.2.3', ifaces)).toBe('10.1.2.3');
  });
  it('falls back to the first external IPv4, then loopback', () => {
    expect(defaultAdvertiseAddress('0.0.0.0', ifaces)).toBe('192.168.1.5');
    expect(defaultAdvertiseAddress('::', () => ({ lo: ifaces().lo }))).toBe('127.0.0.1');
  });
});
