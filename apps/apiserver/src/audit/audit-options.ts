/**
 * The --audit-* flags of kube-apiserver (log and webhook backends) plus --redis-url (the bullmq
 * queue behind the webhook backend), parsed into AuditConfig.
 */
import { flag } from '../config/flags';
import { flagTypes } from '../config/flag-types';
import { AuditPolicyError, loadAuditPolicy, type AuditPolicy } from './policy';

export interface AuditConfig {
  policyFile: string;
  policy?: AuditPolicy;
  /** '' = no log backend, '-' = stdout */
  logPath: string;
  /** days (0 = keep regardless of age) */
  logMaxAge: number;
  /** files (0 = keep all) */
  logMaxBackup: number;
  /** megabytes (0 = never rotate) */
  logMaxSize: number;
  logFormat: 'json' | 'legacy';
  webhookConfigFile: string;
  webhookMode: 'batch' | 'blocking' | 'blocking-strict';
  webhookBatchMaxSize: number;
  webhookBatchMaxWaitMs: number;
  webhookInitialBackoffMs: number;
  /** '' = in-memory buffer (events lost on a crash) */
  redisUrl: string;
}

const oneOf = (flagName: string, values: string[]) => (v: string) =>
  values.includes(v) ? undefined : `invalid value "${v}" for --${flagName}, must be one of ${values.join(', ')}`;

export const auditFlagSpecs = {
  auditPolicyFile: flag({ name: 'audit-policy-file', type: flagTypes.string, default: '', usage: 'Path to the file that defines the audit policy configuration.' }),
  auditLogPath: flag({
    name: 'audit-log-path',
    type: flagTypes.string,
    default: '',
    usage: 'If set, all requests coming to the apiserver will be logged to this file.  \'-\' means standard out.',
  }),
  auditLogMaxage: flag({ name: 'audit-log-maxage', type: flagTypes.int, default: 0, usage: 'The maximum number of days to retain old audit log files based on the timestamp encoded in their filename.' }),
  auditLogMaxbackup: flag({ name: 'audit-log-maxbackup', type: flagTypes.int, default: 0, usage: 'The maximum number of old audit log files to retain. Setting a value of 0 will mean there\'s no restriction on the number of files.' }),
  auditLogMaxsize: flag({ name: 'audit-log-maxsize', type: flagTypes.int, default: 0, usage: 'The maximum size in megabytes of the audit log file before it gets rotated.' }),
  auditLogFormat: flag({
    name: 'audit-log-format',
    type: flagTypes.string,
    default: 'json',
    usage: 'Format of saved audits. "legacy" indicates 1-line text format for each event. "json" indicates structured json format. Known formats are legacy,json.',
    validate: oneOf('audit-log-format', ['legacy', 'json']),
  }),
  auditWebhookConfigFile: flag({
    name: 'audit-webhook-config-file',
    type: flagTypes.string,
    default: '',
    usage: 'Path to a kubeconfig formatted file that defines the audit webhook configuration.',
  }),
  auditWebhookMode: flag({
    name: 'audit-webhook-mode',
    type: flagTypes.string,
    default: 'batch',
    usage: 'Strategy for sending audit events. Blocking indicates sending events should block server responses. Batch causes the backend to buffer and write events asynchronously. Known modes are batch,blocking,blocking-strict.',
    validate: oneOf('audit-webhook-mode', ['batch', 'blocking', 'blocking-strict']),
  }),
  auditWebhookBatchMaxSize: flag({ name: 'audit-webhook-batch-max-size', type: flagTypes.int, default: 400, usage: 'The maximum size of a batch. Only used in batch mode.' }),
  auditWebhookBatchMaxWait: flag({ name: 'audit-webhook-batch-max-wait', type: flagTypes.duration, default: 30_000, usage: 'The amount of time to wait before force writing the batch that hadn\'t reached the max size. Only used in batch mode.' }),
  auditWebhookInitialBackoff: flag({ name: 'audit-webhook-initial-backoff', type: flagTypes.duration, default: 10_000, usage: 'The amount of time to wait before retrying the first failed request.' }),
  redisUrl: flag({ name: 'redis-url', type: flagTypes.string, default: '', usage: 'Redis URL (redis://host:port) for the queues shared by replicas (the audit webhook queue).' }),
};

export function auditConfigFrom(v: {
  auditPolicyFile: string;
  auditLogPath: string;
  auditLogMaxage: number;
  auditLogMaxbackup: number;
  auditLogMaxsize: number;
  auditLogFormat: string;
  auditWebhookConfigFile: string;
  auditWebhookMode: string;
  auditWebhookBatchMaxSize: number;
  auditWebhookBatchMaxWait: number;
  auditWebhookInitialBackoff: number;
  redisUrl: string;
}): AuditConfig {
  for (const [name, n] of [['audit-log-maxage', v.auditLogMaxage], ['audit-log-maxbackup', v.auditLogMaxbackup], ['audit-log-maxsize', v.auditLogMaxsize]] as const) {
    if (n < 0) throw new Error(`--${name} ${n} can't be a negative number`);
  }
  if (v.auditWebhookBatchMaxSize <= 0) throw new Error(`invalid audit webhook batch max size ${v.auditWebhookBatchMaxSize}, must be a positive number`);
  let policy: AuditPolicy | undefined;
  if (v.auditPolicyFile) {
    try {
      policy = loadAuditPolicy(v.auditPolicyFile);
    } catch (e) {
      if (e instanceof AuditPolicyError) throw new Error(`loading audit policy file: ${e.message}`);
      throw e;
    }
  }
  return {
    policyFile: v.auditPolicyFile,
    ...(policy ? { policy } : {}),
    logPath: v.auditLogPath,
    logMaxAge: v.auditLogMaxage,
    logMaxBackup: v.auditLogMaxbackup,
    logMaxSize: v.auditLogMaxsize,
    logFormat: v.auditLogFormat as 'json' | 'legacy',
    webhookConfigFile: v.auditWebhookConfigFile,
    webhookMode: v.auditWebhookMode as AuditConfig['webhookMode'],
    webhookBatchMaxSize: v.auditWebhookBatchMaxSize,
    webhookBatchMaxWaitMs: v.auditWebhookBatchMaxWait,
    webhookInitialBackoffMs: v.auditWebhookInitialBackoff,
    redisUrl: v.redisUrl,
  };
}
