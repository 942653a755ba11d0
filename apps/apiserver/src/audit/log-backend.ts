/**
 * The audit log backend (--audit-log-path): one line per event, JSON (`--audit-log-format=json`,
 * the audit.k8s.io/v1 Event) or upstream's legacy text line; `-` writes to stdout. Rotation as
 * upstream's lumberjack.Logger: before a write that would grow the file past --audit-log-maxsize MB
 * (0 = lumberjack's default of 100 MB) the file is renamed to `<name>-<UTC time
 * 2006-01-02T15-04-05.000><ext>` and a new one is started; then backups beyond --audit-log-maxbackup
 * (0 = keep all) and older than --audit-log-maxage days (0 = keep) are removed, by the time in
 * their name. Writes are synchronous (upstream's default blocking mode): a line is in the file when
 * the request completes.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { wireEvent, type AuditEvent } from './event';

export interface LogBackendOptions {
  path: string;
  maxAgeDays?: number;
  maxBackups?: number;
  maxSizeMB?: number;
  format?: 'json' | 'legacy';
  /** clock for backup names and max-age (tests) */
  now?: () => Date;
}

const MB = 1024 * 1024;
const DEFAULT_MAX_SIZE_MB = 100;

/** lumberjack's backupTimeFormat "2006-01-02T15-04-05.000" (UTC). */
export function backupTimestamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-').replace(/Z$/, '');
}

function parseBackupTimestamp(s: string): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/.exec(s);
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Upstream's legacy one-line format (plugin/pkg/audit/log.EventString). */
export function legacyLine(ev: AuditEvent): string {
  const q = (s: string | undefined) => JSON.stringify(s ?? '');
  const username = ev.user?.username ?? '<none>';
  const groups = ev.user?.groups?.length ? ev.user.groups.map((g) => JSON.stringify(g)).join(',') : '<none>';
  const asuser = ev.impersonatedUser?.username ?? '<self>';
  const asgroups = ev.impersonatedUser?.groups?.length ? ev.impersonatedUser.groups.map((g) => JSON.stringify(g)).join(',') : '<lookup>';
  const namespace = ev.objectRef?.namespace || '<none>';
  const ip = ev.sourceIPs.join(',') || '<unknown>';
  const response = ev.responseStatus ? String(ev.responseStatus.code) : '<deferred>';
  return `${ev.requestReceivedTimestamp} AUDIT: id=${q(ev.auditID)} stage=${q(ev.stage)} ip=${q(ip)} method=${q(ev.verb)} user=${q(username)} groups=${q(groups)} as=${q(asuser)} asgroups=${q(asgroups)} user-agent=${q(ev.userAgent)} namespace=${q(namespace)} uri=${q(ev.requestURI)} response="${response}"\n`;
}

export class LogBackend {
  private fd: number | undefined;
  private size = 0;
  private readonly stdout: boolean;
  private readonly max: number;
  private readonly now: () => Date;

  constructor(private readonly opts: LogBackendOptions) {
    this.stdout = opts.path === '-';
    this.max = (opts.maxSizeMB && opts.maxSizeMB > 0 ? opts.maxSizeMB : DEFAULT_MAX_SIZE_MB) * MB;
    this.now = opts.now ?? (() => new Date());
  }

  processEvent(ev: AuditEvent): void {
    const line = this.opts.format === 'legacy' ? legacyLine(ev) : `${JSON.stringify(wireEvent(ev))}\n`;
    this.write(Buffer.from(line));
  }

  private write(buf: Buffer): void {
    if (this.stdout) {
      process.stdout.write(buf);
      return;
    }
    if (buf.length > this.max) throw new Error(`write length ${buf.length} exceeds maximum file size ${this.max}`);
    if (this.fd === undefined) this.open();
    if (this.size + buf.length > this.max) this.rotate();
    writeSync(this.fd as number, buf);
    this.size += buf.length;
  }

  private open(): void {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    this.fd = openSync(this.opts.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const ext = extname(this.opts.path);
    const prefix = basename(this.opts.path, ext);
    renameSync(this.opts.path, join(dirname(this.opts.path), `${prefix}-${backupTimestamp(this.now())}${ext}`));
    this.open();
    this.removeOld();
  }

  /** lumberjack's millRunOnce: newest first, drop beyond MaxBackups and before now - MaxAge. */
  private removeOld(): void {
    const maxBackups = this.opts.maxBackups ?? 0;
    const maxAge = this.opts.maxAgeDays ?? 0;
    if (maxBackups === 0 && maxAge === 0) return;
    const dir = dirname(this.opts.path);
    const ext = extname(this.opts.path);
    const prefix = `${basename(this.opts.path, ext)}-`;
    const backups: Array<{ name: string; t: Date }> = [];
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith(ext)) continue;
      const t = parseBackupTimestamp(name.slice(prefix.length, name.length - ext.length));
      if (t) backups.push({ name, t });
    }
    backups.sort((a, b) => b.t.getTime() - a.t.getTime());
    let remove: typeof backups = [];
    let keep = backups;
    if (maxBackups > 0 && keep.length > maxBackups) {
      remove = keep.slice(maxBackups);
      keep = keep.slice(0, maxBackups);
    }
    if (maxAge > 0) {
      const cutoff = this.now().getTime() - maxAge * 24 * 3600 * 1000;
      remove = remove.concat(keep.filter((b) => b.t.getTime() < cutoff));
    }
    for (const b of remove) {
      try {
        unlinkSync(join(dir, b.name));
      } catch {
        // already gone
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
