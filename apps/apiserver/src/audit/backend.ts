/**
 * The AuditSink built from the --audit-* flags: the policy (Metadata for everything without
 * --audit-policy-file) and every configured backend (log, webhook) receiving each event.
 */
import { hostname } from 'node:os';
import type { AuditSink } from '../filters/types';
import type { AuditConfig } from './audit-options';
import type { AuditEvent } from './event';
import { LogBackend } from './log-backend';
import { METADATA_POLICY, type AuditPolicy } from './policy';
import { WebhookBackend } from './webhook-backend';

export class AuditBackends implements AuditSink {
  readonly policy: AuditPolicy;
  readonly log?: LogBackend;
  readonly webhook?: WebhookBackend;

  constructor(cfg: AuditConfig, replicaId: string) {
    this.policy = cfg.policy ?? METADATA_POLICY;
    if (cfg.logPath) {
      this.log = new LogBackend({ path: cfg.logPath, maxAgeDays: cfg.logMaxAge, maxBackups: cfg.logMaxBackup, maxSizeMB: cfg.logMaxSize, format: cfg.logFormat });
    }
    if (cfg.webhookConfigFile) {
      this.webhook = new WebhookBackend({
        configFile: cfg.webhookConfigFile,
        mode: cfg.webhookMode,
        batchMaxSize: cfg.webhookBatchMaxSize,
        flushMs: Math.min(cfg.webhookBatchMaxWaitMs, 200),
        initialBackoffMs: cfg.webhookInitialBackoffMs,
        redisUrl: cfg.redisUrl,
        replicaId,
      });
    }
  }

  processEvent(ev: AuditEvent): Promise<void> | void {
    try {
      this.log?.processEvent(ev);
    } catch (e) {
      console.error('[apiserver] audit log write failed:', e);
    }
    return this.webhook?.processEvent(ev);
  }

  async close(): Promise<void> {
    this.log?.close();
    await this.webhook?.close();
  }
}

/**
 * A sink when any audit backend is configured, else undefined (no events, Audit-Id header only).
 * The replica id names this replica's webhook queue: stable across restarts of the same replica.
 */
export function auditSinkFor(cfg: AuditConfig | undefined, securePort: number): AuditBackends | undefined {
  if (!cfg || (!cfg.logPath && !cfg.webhookConfigFile)) return undefined;
  return new AuditBackends(cfg, process.env.KUBERNEST_REPLICA_ID || `${hostname()}-${securePort}`);
}
