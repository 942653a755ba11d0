/** The injection token for HealthCheck[] that modules imported into the API server add to /readyz. */
export const EXTRA_READY_CHECKS = 'KUBERNEST_EXTRA_READY_CHECKS';
