/**
 * The upstream TracingConfiguration file (`--tracing-config-file`), kinds
 * apiserver.config.k8s.io/v1alpha1, v1beta1 and v1: `endpoint` (an OTLP gRPC collector, default
 * localhost:4317, insecure) and `samplingRatePerMillion` (0..1,000,000; unset = respect the
 * parent's decision, otherwise never sample).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const DEFAULT_OTLP_ENDPOINT = 'localhost:4317';
const API_VERSIONS = ['apiserver.config.k8s.io/v1alpha1', 'apiserver.config.k8s.io/v1beta1', 'apiserver.config.k8s.io/v1'];

export interface TracingConfig {
  /** host:port of the OTLP gRPC collector */
  endpoint: string;
  /** undefined = parent-based only */
  samplingRatePerMillion?: number;
}

export class TracingConfigError extends Error {}

export function parseTracingConfiguration(text: string): TracingConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new TracingConfigError(`could not decode: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new TracingConfigError('not a TracingConfiguration object');
  const o = doc as Record<string, unknown>;
  if (o.kind !== 'TracingConfiguration' || !API_VERSIONS.includes(String(o.apiVersion))) {
    throw new TracingConfigError(`no kind "${String(o.kind)}" is registered for version "${String(o.apiVersion)}"; want kind TracingConfiguration in ${API_VERSIONS.join(', ')}`);
  }
  const errs: string[] = [];
  let endpoint = DEFAULT_OTLP_ENDPOINT;
  if (o.endpoint !== undefined) {
    if (typeof o.endpoint !== 'string' || !/^[^\s/]+:[0-9]{1,5}$|^https?:\/\/[^\s]+$/.test(o.endpoint)) {
      errs.push(`endpoint: Invalid value: ${JSON.stringify(o.endpoint)}: must be host:port or a URL`);
    } else endpoint = o.endpoint;
  }
  let samplingRatePerMillion: number | undefined;
  if (o.samplingRatePerMillion !== undefined) {
    const r = o.samplingRatePerMillion;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > 1_000_000) {
      errs.push(`samplingRatePerMillion: Invalid value: ${JSON.stringify(r)}: sampling rate must be between 0 and 1 million`);
    } else samplingRatePerMillion = r;
  }
  if (errs.length > 0) throw new TracingConfigError(errs.join(', '));
  return samplingRatePerMillion === undefined ? { endpoint } : { endpoint, samplingRatePerMillion };
}

export function loadTracingConfigFile(path: string): TracingConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TracingConfigError(`could not read ${path}: ${(e as Error).message}`);
  }
  return parseTracingConfiguration(text);
}
