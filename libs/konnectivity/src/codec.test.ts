import { describe, expect, it } from 'vitest';
import { decodePacket, encodePacket } from './codec';
import { decodePacketReflect, encodePacketReflect, Packet, PacketType, pkt } from './proto';

const samples: Packet[] = [
  pkt.dialReq('10.0.0.5:10250', '9223372036854775807'),
  pkt.dialReq('[fd00::1]:443', '1'),
  // with the kubernest trace-context extension (fields 100, 101)
  pkt.dialReq('10.0.0.5:10250', '2', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'k=v' }),
  pkt.dialRsp('42', '7'),
  pkt.dialRsp('42', '0', 'dial tcp 10.0.0.5:10250: connection refused ✗'),
  pkt.data('1', Buffer.from('hello')),
  pkt.data('123456789012', Buffer.alloc(100_000, 0xab)),
  pkt.data('5', Buffer.alloc(0), 'EOF'),
  pkt.closeReq('3'),
  pkt.closeRsp('3'),
  pkt.closeRsp('3', 'unknown connectID 3'),
  pkt.dialCls('4611686018427387904'),
  pkt.drain(),
  pkt.window('9', 262144),
  { type: PacketType.CLOSE_REQ, closeRequest: { connectID: '-5' } },
  { type: PacketType.DATA, data: { connectID: '0', error: '', data: Buffer.alloc(0) } },
];

describe('hand-written Packet codec', () => {
  it('encodes byte for byte as protobufjs', () => {
    for (const p of samples) expect(encodePacket(p).toString('hex'), JSON.stringify(p.type)).toBe(encodePacketReflect(p).toString('hex'));
  });

  it('decodes as protobufjs', () => {
    for (const p of samples) {
      const b = encodePacketReflect(p);
      expect(decodePacket(b)).toEqual(decodePacketReflect(b));
    }
  });

  it('decodes DATA without copying the payload', () => {
    const b = encodePacket(pkt.data('1', Buffer.alloc(64 * 1024, 1)));
    const d = decodePacket(b).data!.data;
    expect(d.buffer).toBe(b.buffer);
    expect(d.length).toBe(64 * 1024);
  });

  it('accepts fields in any order and skips unknown ones', () => {
    // data { data="hi" (3), unknown fixed32 (9), connectID=7 (1) } then type=4, then unknown varint field 15
    const inner = Buffer.from('1a026869' + '4d01020304' + '0807', 'hex');
    const b = Buffer.concat([Buffer.from([0x22, inner.length]), inner, Buffer.from('0804' + '7801', 'hex')]);
    const p = decodePacket(b);
    expect(p.type).toBe(PacketType.DATA);
    expect(p.data).toEqual({ connectID: '7', error: '', data: Buffer.from('hi') });
    expect(decodePacketReflect(b)).toEqual(p);
  });

  it('rejects truncated input', () => {
    const b = encodePacket(pkt.data('1', Buffer.from('hello')));
    expect(() => decodePacket(b.subarray(0, b.length - 2))).toThrow();
  });
});
