import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePacket, encodePacketTransient } from './codec';
import { Packet, PacketType, pkt, proxyService, proxyServiceDefinition } from './proto';

describe('encodePacketTransient', () => {
  it('encodes like encodePacket, into a buffer reused by the next call', () => {
    const data = randomBytes(100_000);
    const a = encodePacketTransient(pkt.data('7', data));
    expect(a.equals(encodePacket(pkt.data('7', data)))).toBe(true);
    const b = encodePacketTransient(pkt.window('7', 5));
    expect(b.buffer).toBe(a.buffer);
    expect(b.equals(encodePacket(pkt.window('7', 5)))).toBe(true);
  });

  // The server's response serializer writes into a scratch buffer: correct only while grpc-js copies
  // a serialized message before serializing the next (it does, in serializeMessage). This guards
  // against a grpc-js upgrade changing that: many distinct packets written back to back (most of
  // them queued in the call's Writable and serialized later) must all arrive intact.
  const server = new grpc.Server();
  afterAll(() => server.forceShutdown());

  it('packets queued in a grpc-js server call arrive intact', async () => {
    const blocks = Array.from({ length: 200 }, (_, i) => randomBytes(1000 + ((i * 7919) % 200_000)));
    server.addService(proxyServiceDefinition, {
      Proxy: (call: grpc.ServerDuplexStream<Packet, Packet>) => {
        blocks.forEach((b, i) => call.write(pkt.data(String(i + 1), b)));
        call.end();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 16 << 20 });
    const call = client.makeBidiStreamRequest(proxyService.Proxy.path, proxyService.Proxy.requestSerialize, proxyService.Proxy.responseDeserialize);
    const got: Packet[] = [];
    await new Promise<void>((resolve, reject) => {
      call.on('data', (p: Packet) => got.push(p));
      call.on('end', resolve);
      call.on('error', reject);
    });
    client.close();
    expect(got).toHaveLength(blocks.length);
    got.forEach((p, i) => {
      expect(p.type).toBe(PacketType.DATA);
      expect(p.data!.connectID).toBe(String(i + 1));
      expect(p.data!.data.equals(blocks[i])).toBe(true);
    });
  });
});
