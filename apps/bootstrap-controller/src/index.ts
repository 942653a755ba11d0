export { BootstrapController, type BootstrapControllerOptions } from './controller';
export { BootstrapControllerModule, BootstrapControllerLifecycle, BOOTSTRAP_METRICS_REGISTRY } from './bootstrap-controller.module';
export { EndpointReconcilerLifecycle, LeaseEndpointReconciler, type EndpointReconcilerOptions } from './endpoint-reconciler';
export { InProcessRepairScheduler, type RepairScheduler } from './scheduler';
export { newRepairMetrics, type RepairMetrics } from './metrics';
export { parseBootstrapControllerFlags, type BootstrapControllerConfig } from './options';
export { runBootstrapController, startBootstrapController } from './main';
