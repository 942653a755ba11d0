import { describe, expect, it } from 'vitest';
import { CreditPipe } from './flow';
import { Allowlist, matchesDestHost, parseAllowlist, parseIdentifiers, splitHostPort } from './identifiers';
import { agentService, decodePacket, encodePacket, PacketType, pkt, proxyService } from './proto';

describe('konnectivity wire format', () => {
  it('uses upstream method paths (no package)', () => {
    expect(proxyService.Proxy.path).toBe('/ProxyService/Proxy');
    expect(agentService.Connect.path).toBe('/AgentService/Connect');
  });

  it('encodes field numbers as upstream', () => {
    // DATA: type=4 (field 1 varint), data (field 4, len) { connectID=7 (field 1), data="hi" (field 3) }
    expect(encodePacket(pkt.data('7', Buffer.from('hi'))).toString('hex')).toBe('0804' + '2206' + '0807' + '1a026869');
    // DIAL_REQ is type 0 (omitted), dialRequest = field 2 { protocol=1, address=2, random=3 }
    expect(encodePacket(pkt.dialReq('a:1', '5')).toString('hex')).toBe('120c' + '0a03746370' + '1203613a31' + '1805');
    // DRAIN: type 6, drain = field 8 (empty)
    expect(encodePacket(pkt.drain()).toString('hex')).toBe('0806' + '4200');
    // CLOSE_RSP field 6 { error=1, connectID=2 }
    expect(encodePacket(pkt.closeRsp('3')).toString('hex')).toBe('0803' + '32021003');
  });

  it('round-trips full-range int64 ids as strings', () => {
    const p = decodePacket(encodePacket(pkt.dialRsp('9223372036854775807', '12')));
    expect(p).toEqual({ type: PacketType.DIAL_RSP, dialResponse: { error: '', connectID: '12', random: '9223372036854775807' } });
    const d = decodePacket(encodePacket(pkt.data('1', Buffer.from('xyz'))));
    expect(d.data!.data.toString()).toBe('xyz');
  });
});

describe('agent identifiers and strategies', () => {
  it('parses and matches dial hosts', () => {
    const ids = parseIdentifiers('host=Node1&ipv4=10.0.0.5&ipv6=fd00::0:1&cidr=192.168.0.0/16&default-route=true');
    expect(ids.defaultRoute).toBe(true);
    expect(matchesDestHost(ids, 'node1')).toBe(true);
    expect(matchesDestHost(ids, '10.0.0.5')).toBe(true);
    expect(matchesDestHost(ids, 'fd00::1')).toBe(true);
    expect(matchesDestHost(ids, '192.168.3.4')).toBe(true);
    expect(matchesDestHost(ids, '10.0.0.6')).toBe(false);
    expect(() => parseIdentifiers('bogus=1')).toThrow(/unknown agent identifier/);
  });
  it('splits host:port', () => {
    expect(splitHostPort('[fd00::1]:443')).toEqual({ host: 'fd00::1', port: 443 });
    expect(splitHostPort('node1:10250')).toEqual({ host: 'node1', port: 10250 });
    expect(() => splitHostPort('node1')).toThrow();
  });
  it('allowlist', () => {
    const a = new Allowlist(parseAllowlist(['10.0.0.0/8:10250', '127.0.0.1:*', '[fd00::]/64:443']));
    expect(a.allows('10.1.2.3', 10250)).toBe(true);
    expect(a.allows('10.1.2.3', 22)).toBe(false);
    expect(a.allows('127.0.0.1', 1)).toBe(true);
    expect(a.allows('fd00::9', 443)).toBe(true);
    expect(a.allows('8.8.8.8', 443)).toBe(false);
    expect(new Allowlist([]).allows('8.8.8.8', 1)).toBe(true);
    expect(() => parseAllowlist(['nonsense'])).toThrow();
  });
});

describe('CreditPipe', () => {
  it('stops at zero credit, resumes on grant, ends in order', () => {
    const out: string[] = [];
    const forwarded: number[] = [];
    const p = new CreditPipe(4, { write: (c, done) => (out.push(c.toString()), done()), end: () => out.push('END') }, (n) => forwarded.push(n));
    p.push(Buffer.from('abc'));
    p.push(Buffer.from('def'));
    p.push(Buffer.from('gh'));
    p.end();
    expect(out).toEqual(['abc', 'def']); // 4 credits: the second chunk overdraws
    expect(p.buffered).toBe(2);
    p.grant(1);
    expect(out).toEqual(['abc', 'def']);
    p.grant(10);
    expect(out).toEqual(['abc', 'def', 'gh', 'END']);
    expect(forwarded).toEqual([3, 3, 2]);
  });
});
