/**
 * The repair controllers' Prometheus counters (upstream names), in a registry of their own that
 * the module exports; a /metrics endpoint can merge it with others (prom-client Registry.merge).
 */
import { Counter, Registry } from 'prom-client';
import type { RepairErrorType } from '../../../libs/allocators/src/repair';

export interface RepairMetrics {
  registry: Registry;
  clusterIPErrors: Counter<'type'>;
  clusterIPReconcileErrors: Counter;
  nodePortErrors: Counter<'type'>;
  nodePortReconcileErrors: Counter;
}

export function newRepairMetrics(registry = new Registry()): RepairMetrics {
  return {
    registry,
    clusterIPErrors: new Counter({
      name: 'apiserver_clusterip_repair_ip_errors_total',
      help: 'Number of errors detected on clusterips by the repair loop broken down by type of error: leak, repair, full, outOfRange, duplicate, unknown, invalid',
      labelNames: ['type'],
      registers: [registry],
    }),
    clusterIPReconcileErrors: new Counter({
      name: 'apiserver_clusterip_repair_reconcile_errors_total',
      help: 'Number of reconciliation failures on the clusterip repair reconcile loop',
      registers: [registry],
    }),
    nodePortErrors: new Counter({
      name: 'apiserver_nodeport_repair_port_errors_total',
      help: 'Number of errors detected on ports by the repair loop broken down by type of error: leak, repair, full, outOfRange, duplicate, unknown',
      labelNames: ['type'],
      registers: [registry],
    }),
    nodePortReconcileErrors: new Counter({
      name: 'apiserver_nodeport_repair_reconcile_errors_total',
      help: 'Number of reconciliation failures on the nodeport repair reconcile loop',
      registers: [registry],
    }),
  };
}

export function addErrorCounts(counter: Counter<'type'>, increments: Partial<Record<RepairErrorType, number>>): void {
  for (const [type, n] of Object.entries(increments)) if (n) counter.inc({ type }, n);
}
