/**
 * apiserver.config.k8s.io/v1 EncryptionConfiguration (YAML or JSON), validated with upstream's
 * messages where it has them, turned into per-resource PrefixTransformers.
 *
 *   resources:
 *   - resources: [secrets, configmaps, '*.apps', '*.*']
 *     providers: [{aescbc: {keys: [{name: key1, secret: <base64>}]}}, {identity: {}}]
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { aescbcTransformer, aesgcmTransformer, identityTransformer, secretboxTransformer, type KeyTransformer } from './providers';
import { PrefixTransformer, ResourceTransformers, type ValueTransformer } from './transformer';

export class EncryptionConfigError extends Error {}

export interface GroupResource {
  group: string;
  resource: string;
}

export interface ResourceRule {
  /** as written: `secrets`, `deployments.apps`, `*.apps`, `*.`, `*.*` */
  resources: string[];
  transformer: PrefixTransformer;
}

export interface EncryptionConfig {
  rules: ResourceRule[];
}

const AES_KEY_SIZES = [16, 24, 32];
const SECRETBOX_KEY_SIZES = [32];
const PROVIDER_NAMES = ['identity', 'aescbc', 'aesgcm', 'secretbox', 'kms'];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keysOf(p: unknown, path: string, sizes: number[], make: (name: string, key: Buffer) => KeyTransformer): KeyTransformer[] {
  const keys = isObj(p) ? p.keys : undefined;
  if (!Array.isArray(keys) || keys.length === 0) throw new EncryptionConfigError(`${path}.keys: Required value: keys (list of at least one key) are required`);
  const names = new Set<string>();
  return keys.map((k, i) => {
    const kp = `${path}.keys[${i}]`;
    if (!isObj(k)) throw new EncryptionConfigError(`${kp}: Invalid value: must be an object`);
    const name = typeof k.name === 'string' ? k.name : '';
    const secret = typeof k.secret === 'string' ? k.secret : '';
    if (name === '') throw new EncryptionConfigError(`${kp}.name: Required value: key's name is required`);
    if (name.includes(':')) throw new EncryptionConfigError(`${kp}.name: Invalid value: "${name}": should not contain ':'`);
    if (names.has(name)) throw new EncryptionConfigError(`${kp}.name: Duplicate value: "${name}"`);
    names.add(name);
    if (secret === '') throw new EncryptionConfigError(`${kp}.secret: Required value: key's secret is required`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secret) || secret.length % 4 !== 0) {
      throw new EncryptionConfigError(`${kp}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
    }
    const key = Buffer.from(secret, 'base64');
    if (!sizes.includes(key.length)) {
      throw new EncryptionConfigError(`${kp}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${key.length}, expected one of [${sizes.join(' ')}]`);
    }
    return make(name, key);
  });
}

function providerTransformers(p: unknown, path: string): KeyTransformer[] {
  if (!isObj(p)) throw new EncryptionConfigError(`${path}: Invalid value: must be an object`);
  const given = Object.keys(p).filter((k) => p[k] !== undefined && p[k] !== null);
  const known = given.filter((k) => PROVIDER_NAMES.includes(k));
  if (known.length === 0) throw new EncryptionConfigError(`${path}: Invalid value: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`);
  if (known.length > 1) throw new EncryptionConfigError(`${path}: Invalid value: more than one provider specified in a single element, should split into different list elements`);
  switch (known[0]) {
    case 'identity':
      return [identityTransformer];
    case 'aescbc':
      return keysOf(p.aescbc, `${path}.aescbc`, AES_KEY_SIZES, aescbcTransformer);
    case 'aesgcm':
      return keysOf(p.aesgcm, `${path}.aesgcm`, AES_KEY_SIZES, aesgcmTransformer);
    case 'secretbox':
      return keysOf(p.secretbox, `${path}.secretbox`, SECRETBOX_KEY_SIZES, secretboxTransformer);
    default:
      throw new EncryptionConfigError(`${path}.kms: Unsupported value: the kms provider is unsupported by Kubernest (use aescbc, aesgcm or secretbox)`);
  }
}

/** Parse and validate the configuration text (YAML is a superset of JSON). */
export function parseEncryptionConfig(text: string): EncryptionConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EncryptionConfigError(`error while parsing encryption provider configuration: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new EncryptionConfigError('error while parsing encryption provider configuration: not an object');
  if (doc.kind !== 'EncryptionConfiguration') throw new EncryptionConfigError(`got unexpected kind "${String(doc.kind ?? '')}", expected EncryptionConfiguration`);
  if (doc.apiVersion !== 'apiserver.config.k8s.io/v1') {
    throw new EncryptionConfigError(`no kind "EncryptionConfiguration" is registered for version "${String(doc.apiVersion ?? '')}"`);
  }
  const resources = doc.resources;
  if (!Array.isArray(resources) || resources.length === 0) throw new EncryptionConfigError('resources: Required value: EncryptionConfiguration.Resources must contain at least one resource');
  const seen = new Set<string>();
  const rules = resources.map((r, i) => {
    const path = `resources[${i}]`;
    if (!isObj(r)) throw new EncryptionConfigError(`${path}: Invalid value: must be an object`);
    const names = r.resources;
    if (!Array.isArray(names) || names.length === 0) throw new EncryptionConfigError(`${path}.resources: Required value: resources is required`);
    names.forEach((n, j) => {
      if (typeof n !== 'string' || n === '' || n !== n.toLowerCase()) {
        throw new EncryptionConfigError(`${path}.resources[${j}]: Invalid value: ${JSON.stringify(n)}: resource name must be lowercase`);
      }
      if (n === '*') throw new EncryptionConfigError(`${path}.resources[${j}]: Invalid value: "*": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources`);
      if (seen.has(n)) throw new EncryptionConfigError(`${path}.resources[${j}]: Duplicate value: "${n}"`);
      seen.add(n);
    });
    const providers = r.providers;
    if (!Array.isArray(providers) || providers.length === 0) throw new EncryptionConfigError(`${path}.providers: Required value: providers is required`);
    const ts = providers.flatMap((p, j) => providerTransformers(p, `${path}.providers[${j}]`));
    return { resources: names as string[], transformer: new PrefixTransformer(ts) };
  });
  return { rules };
}

export function loadEncryptionConfig(file: string): EncryptionConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new EncryptionConfigError(`error opening encryption provider configuration file "${file}": ${(e as Error).message}`);
  }
  return parseEncryptionConfig(text);
}

/** The first rule naming the group-resource itself, `*.<group>` or `*.*` (rules in order, as upstream). */
export function transformerFor(cfg: EncryptionConfig, gr: GroupResource): PrefixTransformer | undefined {
  const exact = gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
  const wanted = [exact, `*.${gr.group}`, '*.*'];
  for (const r of cfg.rules) if (r.resources.some((n) => wanted.includes(n))) return r.transformer;
  return undefined;
}

/**
 * The process-wide transformer for a configuration: `resolve(fullKey)` maps a storage key to its
 * group-resource (undefined = not an API object: stored as is).
 */
export function storageTransformerFor(cfg: EncryptionConfig, resolve: (fullKey: string) => GroupResource | undefined): ValueTransformer {
  return new ResourceTransformers((fullKey) => {
    const gr = resolve(fullKey);
    return gr ? transformerFor(cfg, gr) : undefined;
  });
}
