/**
 * The port-forward SPDY bridge when the pod side fails mid-transfer (e.g. the tunnel server carrying
 * the kubelet connection is killed): the client gets the error and a FIN, and the session keeps
 * reading what the client still sends on the data stream. kubectl (moby/spdystream) blocks in a
 * data write holding its connection's write lock when we stop reading, so it could never send its
 * RST_STREAM or read our error: the port-forward hung (issue 6).
 */
import { createServer, connect, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SpdySession, SpdyStream } from '../../../../libs/spdy/src/session';
import { servePortForward } from './spdy-bridge';

async function sessions(): Promise<{ server: SpdySession; client: SpdySession; close: () => void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<Socket>((r) => srv.once('connection', r));
  const c = connect((srv.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((r) => c.once('connect', () => r()));
  const s = await accepted;
  srv.close();
  // the client like kubectl: no WINDOW_UPDATEs honoured, TCP backpressure only
  return { server: new SpdySession(s, { server: true }), client: new SpdySession(c, { server: false, enforcePeerWindow: 'never' }), close: () => (c.destroy(), s.destroy()) };
}

function text(s: SpdyStream): Promise<string> {
  return new Promise((resolve) => {
    let t = '';
    s.on('data', (d: Buffer) => (t += d.toString()));
    s.on('end', () => resolve(t));
    s.on('error', () => resolve(t));
  });
}

describe('port-forward bridge: the pod side fails mid-transfer', () => {
  it('reports the error, FINs the data stream and keeps draining the client', async () => {
    const { server, client, close } = await sessions();
    try {
      let pod: Duplex | undefined;
      void servePortForward(server, 'p_default, uid u', async () => {
        pod = new Duplex({
          read() {},
          write(_c, _e, cb) {
            cb();
          },
        });
        return pod;
      });
      const error = client.openStream({ streamtype: 'error', port: '9000', requestid: '0' });
      const data = client.openStream({ streamtype: 'data', port: '9000', requestid: '0' });
      const errText = text(error);
      const dataEnded = new Promise<void>((r) => {
        data.on('end', () => r());
        data.resume();
      });
      await new Promise<void>((r) => {
        const t = setInterval(() => pod && (clearInterval(t), r()), 5);
      });
      pod!.push(Buffer.from('hello'));
      // the connection carrying the pod stream is lost
      pod!.destroy(new Error('tunnel connection to 127.0.0.1:10250: tunnel stream failed: 14 UNAVAILABLE: read ECONNRESET'));
      expect(await errText).toMatch(/^error forwarding port 9000 to pod p_default, uid u: tunnel connection .* ECONNRESET$/);
      await dataEnded;
      // the client goes on writing far more than the session buffers for an unread stream (1 MiB)
      // and than loopback TCP absorbs: every write completes because the server keeps reading
      const block = Buffer.alloc(256 * 1024, 7);
      const written = new Promise<void>((resolve, reject) => {
        let n = 0;
        const more = () => {
          while (n < 64) {
            n++;
            if (!data.write(block)) return void data.once('drain', more);
          }
          data.end(() => resolve());
        };
        data.on('error', reject);
        more();
      });
      const res = await Promise.race([written.then(() => 'drained'), new Promise((r) => setTimeout(() => r('stuck'), 10_000))]);
      expect(res).toBe('drained');
    } finally {
      close();
    }
  }, 20_000);
});
