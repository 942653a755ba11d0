/**
 * Certificate reload without a restart (a Kubernest extension; upstream reads its certificates
 * once). The server's certificate, key and client CA files are polled; when their contents change
 * and form a valid TLS context (a half-written pair is skipped until both files agree), new
 * handshakes use the new files. Connections already open keep the old ones.
 *
 * gRPC servers: grpc-js re-applies the secure context of its listeners when the credentials'
 * context options change (the mechanism behind its certificate-provider credentials), so the
 * credentials created here are ordinary `createSsl` credentials whose options are updated.
 * TLS (HTTP CONNECT) servers: `server.setSecureContext`.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';

export interface TlsFileSet {
  certFile: string;
  keyFile: string;
  /** client CA: when set, peers must present a certificate it signed (mutual TLS) */
  caFile?: string;
}

export const DEFAULT_CERT_RELOAD_INTERVAL_MS = 5000;

interface Contents {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

function readAll(f: TlsFileSet): Contents {
  return { cert: readFileSync(f.certFile), key: readFileSync(f.keyFile), ca: f.caFile ? readFileSync(f.caFile) : undefined };
}

function same(a: Contents, b: Contents): boolean {
  return a.cert.equals(b.cert) && a.key.equals(b.key) && (a.ca === undefined ? b.ca === undefined : b.ca !== undefined && a.ca.equals(b.ca));
}

/** Polls a certificate/key(/CA) set and calls `apply` with each new valid set. */
export class CertWatcher {
  private current: Contents;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly files: TlsFileSet,
    private readonly apply: (c: Contents) => void,
    intervalMs: number,
    private readonly log: (m: string) => void = () => {},
  ) {
    this.current = readAll(files);
    if (intervalMs > 0) {
      this.timer = setInterval(() => this.check(), intervalMs);
      this.timer.unref();
    }
  }

  get contents(): Contents {
    return this.current;
  }

  /** look at the files now (also called by the timer) */
  check(): boolean {
    let next: Contents;
    try {
      next = readAll(this.files);
    } catch (e) {
      this.log(`certificate reload: ${(e as Error).message}; keeping the current certificate`);
      return false;
    }
    if (same(next, this.current)) return false;
    try {
      createSecureContext({ cert: next.cert, key: next.key, ca: next.ca });
    } catch (e) {
      // e.g. the certificate was replaced and the key not yet: try again on the next tick
      this.log(`certificate reload: ${this.files.certFile}: ${(e as Error).message}; keeping the current certificate`);
      return false;
    }
    this.current = next;
    this.apply(next);
    this.log(`certificate reload: now serving ${this.files.certFile}`);
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** gRPC server credentials for `files` that follow changes to them. */
export function reloadingServerCredentials(
  files: TlsFileSet,
  intervalMs = DEFAULT_CERT_RELOAD_INTERVAL_MS,
  log?: (m: string) => void,
): { credentials: grpc.ServerCredentials; watcher: CertWatcher } {
  let creds: grpc.ServerCredentials | undefined;
  const watcher = new CertWatcher(
    files,
    (c) => {
      const updatable = creds as unknown as { updateSecureContextOptions?: (o: SecureContextOptions | null) => void };
      updatable?.updateSecureContextOptions?.({ ca: c.ca, cert: [c.cert], key: [c.key] });
    },
    intervalMs,
    log,
  );
  const c = watcher.contents;
  creds = grpc.ServerCredentials.createSsl(c.ca ?? null, [{ cert_chain: c.cert, private_key: c.key }], !!c.ca);
  return { credentials: creds, watcher };
}

/** TLS server options for `files`, and a watcher that swaps the server's context on change. */
export function reloadingTlsServer(
  files: TlsFileSet,
  server: () => { setSecureContext(o: SecureContextOptions): void } | undefined,
  intervalMs = DEFAULT_CERT_RELOAD_INTERVAL_MS,
  log?: (m: string) => void,
): { options: SecureContextOptions; watcher: CertWatcher } {
  const watcher = new CertWatcher(files, (c) => server()?.setSecureContext({ cert: c.cert, key: c.key, ca: c.ca }), intervalMs, log);
  const c = watcher.contents;
  return { options: { cert: c.cert, key: c.key, ca: c.ca }, watcher };
}
