/**
 * `--tracing-config-file`, shared by every kubernest component: the upstream TracingConfiguration
 * (libs/tracing) read and validated at start; tracing starts before the app is built so storage,
 * gRPC clients and the filter chain see it enabled.
 */
import { loadTracingConfigFile, RunningTracing, startTracing, TracingConfigError } from '../../../../libs/tracing/src';
import { FlagError, flag } from './flags';
import { flagTypes } from './flag-types';

export function tracingConfigFileFlag() {
  return flag({
    name: 'tracing-config-file',
    type: flagTypes.string,
    default: '',
    usage: 'File with apiserver tracing configuration.',
  });
}

/** Start tracing for `serviceName` when `path` is set; a bad file is a FlagError (exit 1). */
export function startTracingFromFlag(serviceName: string, path: string): RunningTracing | undefined {
  if (!path) return undefined;
  let tracing: RunningTracing;
  try {
    tracing = startTracing(serviceName, loadTracingConfigFile(path));
  } catch (e) {
    if (e instanceof TracingConfigError) throw new FlagError(`--tracing-config-file: ${e.message}`);
    throw e;
  }
  process.once('SIGTERM', () => void tracing.shutdown());
  process.once('SIGINT', () => void tracing.shutdown());
  return tracing;
}
