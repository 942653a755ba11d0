/**
 * HTTP/2 tuning for the tunnel's gRPC streams.
 *
 * Every tunnelled connection of an agent (or of an API server's dialer) shares one gRPC stream, so
 * HTTP/2's default 64 KiB stream and connection windows cap the whole leg at 64 KiB per round
 * trip. Our own per-connection credit (flow.ts) is what bounds memory and keeps a slow reader from
 * stalling the others (each hop always reads its streams), so the HTTP/2 windows can be large.
 *
 * grpc-js exposes the client side (`grpc-node.flow_control_window`); for the server side the
 * stream window is an HTTP/2 SETTINGS value of the sessions grpc-js creates, so it is set in the
 * options grpc-js passes to `http2.createServer` (with larger frames and TCP_NODELAY) and the
 * connection window on each new session.
 */
import type * as http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/**
 * HTTP/2 stream and connection receive window of tunnel legs (bytes). 4 MiB: 16 MiB on both ends
 * stalled 1,000 concurrent 64 KiB echo streams in-process (not understood yet; 1 and 4 MiB pass
 * 2,000 of them), and 4 MiB already gives most of the gain.
 */
export const HTTP2_WINDOW = 4 * 1024 * 1024;

/** HTTP/2 frames peers may send us (fewer, larger DATA frames per tunnel packet; default 16 KiB) */
export const MAX_FRAME = 1024 * 1024;

/** the largest gRPC message we accept (a DATA packet carries at most MAX_CHUNK) */
export const MAX_MESSAGE = 16 << 20;

/** channel options for the tunnel's gRPC clients (dialer → server, agent → server) */
export function tunnelChannelOptions(): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc-node.flow_control_window': HTTP2_WINDOW,
    // a tunnel stream is never retried (a broken one is re-created by its owner), and with retries
    // enabled grpc-js keeps every written message in a per-call retry buffer until the first
    // response: per-message bookkeeping and copies on the hottest path
    'grpc.enable_retries': 0,
  };
}

interface GrpcServerInternals {
  commonServerOptions?: http2.ServerOptions;
  http2Servers?: Map<http2.Http2Server, unknown>;
}

/** Before bindAsync: large stream windows for the sessions this server will accept. */
export function tuneServerBeforeBind(server: grpc.Server): void {
  const s = server as unknown as GrpcServerInternals;
  if (!s.commonServerOptions) return; // grpc-js internals changed: keep the defaults
  s.commonServerOptions.settings = { ...(s.commonServerOptions.settings ?? {}), initialWindowSize: HTTP2_WINDOW, maxFrameSize: MAX_FRAME };
  // accepted sockets without Nagle (grpc-js sets it on its client sockets only): a DIAL_RSP or a
  // small DATA packet leaves at once instead of waiting for the peer's delayed ACK
  (s.commonServerOptions as { noDelay?: boolean }).noDelay = true;
}

/** After bindAsync: open each new session's connection window as well. */
export function tuneServerAfterBind(server: grpc.Server): void {
  const s = server as unknown as GrpcServerInternals;
  for (const h of s.http2Servers?.keys() ?? []) {
    if ((h as unknown as { [TUNED]?: boolean })[TUNED]) continue;
    (h as unknown as { [TUNED]?: boolean })[TUNED] = true;
    h.on('session', (session: http2.ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(HTTP2_WINDOW);
      } catch {
        // session already closing
      }
    });
  }
}

const TUNED = Symbol('kubernest.http2-tuned');
