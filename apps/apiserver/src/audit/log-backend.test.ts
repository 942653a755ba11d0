import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from './event';
import { backupTimestamp, legacyLine, LogBackend } from './log-backend';

const ev = (i: number): AuditEvent => ({
  level: 'Metadata',
  auditID: `id-${i}`,
  stage: 'ResponseComplete',
  requestURI: `/api/v1/namespaces/a/secrets/s${i}`,
  verb: 'get',
  user: { username: 'alice', groups: ['g1', 'g2'] },
  sourceIPs: ['127.0.0.1'],
  objectRef: { resource: 'secrets', namespace: 'a', name: `s${i}`, apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2026-11-23T10:00:00.000000Z',
  stageTimestamp: '2026-11-23T10:00:00.001000Z',
});

describe('LogBackend', () => {
  it('writes one audit.k8s.io/v1 Event per line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    const log = new LogBackend({ path: join(dir, 'audit.log') });
    log.processEvent(ev(1));
    log.processEvent(ev(2));
    log.close();
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.auditID)).toEqual(['id-1', 'id-2']);
    expect(Object.keys(lines[0]).slice(0, 4)).toEqual(['kind', 'apiVersion', 'level', 'auditID']);
    expect(lines[0]).toMatchObject({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', user: { username: 'alice' } });
  });

  it('rotates past maxsize into audit-<UTC 2006-01-02T15-04-05.000>.log and keeps maxbackup files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    let t = Date.parse('2026-11-23T10:00:00.000Z');
    const log = new LogBackend({ path: join(dir, 'audit.log'), maxSizeMB: 1, maxBackups: 2, now: () => new Date((t += 1000)) });
    const big = { ...ev(0), requestObject: { pad: 'x'.repeat(300 * 1024) } };
    for (let i = 0; i < 14; i++) log.processEvent({ ...big, auditID: `id-${i}` });
    log.close();
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    expect(files[2]).toBe('audit.log');
    expect(files[0]).toMatch(/^audit-2026-11-23T10-00-\d\d\.000\.log$/);
    const all = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).auditID as string));
    expect(all.slice(-1)).toEqual(['id-13']); // newest in audit.log, older ones dropped beyond 2 backups
    for (const f of files) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('maxage drops backups older than N days, by the time in their name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    const now = Date.parse('2026-11-23T10:00:00.000Z');
    const old = `audit-${backupTimestamp(new Date(now - 3 * 86400_000))}.log`;
    const recent = `audit-${backupTimestamp(new Date(now - 3600_000))}.log`;
    writeFileSync(join(dir, old), 'x\n');
    writeFileSync(join(dir, recent), 'x\n');
    writeFileSync(join(dir, 'audit.log'), 'y'.repeat(1024 * 1024 - 10));
    const log = new LogBackend({ path: join(dir, 'audit.log'), maxSizeMB: 1, maxAgeDays: 2, now: () => new Date(now) });
    log.processEvent(ev(1));
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['audit-2026-11-23T09-00-00.000.log', 'audit-2026-11-23T10-00-00.000.log', 'audit.log']);
  });

  it('legacy format: upstream one-line text', () => {
    expect(legacyLine(ev(1))).toBe(
      '2026-11-23T10:00:00.000000Z AUDIT: id="id-1" stage="ResponseComplete" ip="127.0.0.1" method="get" user="alice" groups="\\"g1\\",\\"g2\\"" as="<self>" asgroups="<lookup>" user-agent="" namespace="a" uri="/api/v1/namespaces/a/secrets/s1" response="200"\n',
    );
  });
});
