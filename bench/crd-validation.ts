/**
 * CRD schema validation speed: one realistic structural schema (~50 fields: nested objects, lists
 * of objects with required fields, enums, patterns, int-or-string, min/max, maxLength, a map with
 * additionalProperties), BENCH_OBJECTS objects (valid and invalid), validated in this process by
 *   - ours: `validateValue` (libs/apiextensions/src/schema.ts, interpreted), the same compiled once
 *     (`validateCompiled`, schema-compiled.ts), `validateCustomResource` (compiled validator, embedded
 *     resources, CEL-less) and the whole custom resource path (clone, prune + default, validate);
 *   - ajv (compiled once from the same schema translated to JSON Schema: int-or-string → anyOf
 *     integer/string, nullable → type list, `allErrors: true` so both report every error).
 * Prints ops/s and ours/ajv, writes bench/results/crd-validation.json. See bench/README.md.
 *
 * Environment: BENCH_OBJECTS (2000 distinct objects per set), BENCH_ROUNDS (20 passes per row),
 * BENCH_INVALID_PERCENT (20, share of invalid objects in the mixed set), BENCH_REPEATS (3: every row
 * is measured that many times, interleaved, and the median kept).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { KObject } from '../libs/apimachinery/src/types';
import { pruneAndDefault, validateCustomResource } from '../libs/apiextensions/src/custom-resource';
import { JSONSchemaProps, validateValue } from '../libs/apiextensions/src/schema';
import { validateCompiled } from '../libs/apiextensions/src/schema-compiled';
import { REPO_ROOT } from '../test/harness/apiserver';
import { gitCommit, intEnv } from './util';

const OBJECTS = intEnv('BENCH_OBJECTS', 2000, 10);
const ROUNDS = intEnv('BENCH_ROUNDS', 20, 1);
const INVALID_PERCENT = intEnv('BENCH_INVALID_PERCENT', 20, 0);
const REPEATS = intEnv('BENCH_REPEATS', 3, 1);

// ---- the schema ---------------------------------------------------------------------------------

const str = (extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'string', ...extra });
const int = (extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'integer', ...extra });
const bool = (): JSONSchemaProps => ({ type: 'boolean' });
const obj = (properties: Record<string, JSONSchemaProps>, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'object', properties, ...extra });
const arr = (items: JSONSchemaProps, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps => ({ type: 'array', items, ...extra });
const intOrString = (): JSONSchemaProps => ({ 'x-kubernetes-int-or-string': true });
const DNS = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const resources = (): JSONSchemaProps => obj({ cpu: intOrString(), memory: intOrString() });

export const SCHEMA: JSONSchemaProps = obj({
  apiVersion: str(),
  kind: str(),
  metadata: { type: 'object' },
  spec: obj(
    {
      replicas: int({ minimum: 0, maximum: 100, default: 1 }),
      paused: bool(),
      image: str({ maxLength: 255, pattern: '^[a-z0-9./:@_-]+$' }),
      imagePullPolicy: str({ enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' }),
      serviceAccountName: str({ maxLength: 63, pattern: DNS }),
      priority: int({ minimum: -1000, maximum: 1000 }),
      mode: str({ enum: ['active', 'standby', 'maintenance'] }),
      labels: { type: 'object', additionalProperties: str({ maxLength: 63 }) },
      maxSurge: intOrString(),
      maxUnavailable: intOrString(),
      description: str({ maxLength: 1024, nullable: true }),
      strategy: obj({
        type: str({ enum: ['RollingUpdate', 'Recreate'] }),
        rollingUpdate: obj({ maxSurge: intOrString(), maxUnavailable: intOrString(), partition: int({ minimum: 0 }) }),
      }),
      containers: arr(
        obj(
          {
            name: str({ maxLength: 63, pattern: DNS }),
            image: str({ maxLength: 255 }),
            command: arr(str()),
            args: arr(str(), { maxItems: 64 }),
            ports: arr(
              obj(
                {
                  name: str({ maxLength: 15 }),
                  containerPort: int({ minimum: 1, maximum: 65535 }),
                  protocol: str({ enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' }),
                },
                { required: ['containerPort'] },
              ),
              { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort'] },
            ),
            env: arr(obj({ name: str({ minLength: 1 }), value: str() }, { required: ['name'] })),
            resources: obj({ limits: resources(), requests: resources() }),
          },
          { required: ['name', 'image'] },
        ),
        { minItems: 1, maxItems: 16 },
      ),
      storage: obj(
        {
          size: intOrString(),
          storageClassName: str({ maxLength: 253 }),
          accessModes: arr(str({ enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'] }), { 'x-kubernetes-list-type': 'set' }),
          retain: bool(),
        },
        { required: ['size'] },
      ),
      network: obj({
        hostNetwork: bool(),
        dnsPolicy: str({ enum: ['ClusterFirst', 'Default', 'None'] }),
        ingress: arr(obj({ host: str({ maxLength: 253 }), path: str({ pattern: '^/' }), port: intOrString() }, { required: ['host'] }), { maxItems: 10 }),
      }),
      backup: obj({
        enabled: bool(),
        schedule: str({ pattern: '^(\\S+\\s+){4}\\S+$' }),
        retentionDays: int({ minimum: 1, maximum: 365 }),
        destination: obj({ bucket: str({ minLength: 3, maxLength: 63 }), prefix: str(), region: str({ enum: ['eu', 'us', 'ap'] }) }, { required: ['bucket'] }),
      }),
      tolerations: arr(obj({ key: str(), operator: str({ enum: ['Exists', 'Equal'] }), value: str(), effect: str(), tolerationSeconds: int({ minimum: 0 }) })),
    },
    { required: ['image', 'containers'] },
  ),
  status: obj({
    phase: str({ enum: ['Pending', 'Running', 'Failed'] }),
    readyReplicas: int({ minimum: 0 }),
    observedGeneration: int(),
    conditions: arr(
      obj(
        { type: str(), status: str({ enum: ['True', 'False', 'Unknown'] }), reason: str({ maxLength: 1024 }), message: str({ maxLength: 32768 }), lastTransitionTime: str({ format: 'date-time' }) },
        { required: ['type', 'status'] },
      ),
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    ),
  }),
});

/** The OpenAPI v3 subset as JSON Schema for ajv (draft-07 semantics, ajv's default). */
export function toJsonSchema(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s['x-kubernetes-int-or-string']) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  else if (s.type) out.type = s.nullable ? [s.type, 'null'] : s.type;
  for (const k of ['enum', 'minimum', 'maximum', 'multipleOf', 'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required'] as const) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  if (s.exclusiveMaximum && s.maximum !== undefined) out.exclusiveMaximum = s.maximum;
  if (s.exclusiveMinimum && s.minimum !== undefined) out.exclusiveMinimum = s.minimum;
  if (s['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toJsonSchema(v)]));
  if (typeof s.additionalProperties === 'object') out.additionalProperties = toJsonSchema(s.additionalProperties);
  if (s.items) out.items = toJsonSchema(s.items);
  return out;
}

// ---- the objects --------------------------------------------------------------------------------

export function validObject(i: number): KObject {
  return {
    apiVersion: 'bench.example.com/v1',
    kind: 'Widget',
    metadata: { name: `w-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: {
      replicas: i % 50,
      paused: i % 2 === 0,
      image: `registry.example.com/app:v${i % 7}`,
      serviceAccountName: 'runner',
      priority: (i % 200) - 100,
      mode: 'active',
      labels: { tier: 'web', team: `t${i % 9}`, env: 'prod' },
      maxSurge: '25%',
      maxUnavailable: 1,
      description: i % 3 ? null : `widget number ${i}`,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '10%', partition: 0 } },
      containers: [
        {
          name: 'main',
          image: 'registry.example.com/app:v1',
          command: ['/bin/app'],
          args: ['--port=8080', `--id=${i}`],
          ports: [
            { name: 'http', containerPort: 8080, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9090 },
          ],
          env: [
            { name: 'MODE', value: 'prod' },
            { name: 'ID', value: String(i) },
          ],
          resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: 1, memory: '128Mi' } },
        },
        { name: 'sidecar', image: 'registry.example.com/proxy:v2', ports: [{ containerPort: 15001 }], resources: { requests: { cpu: '50m' } } },
      ],
      storage: { size: '10Gi', storageClassName: 'standard', accessModes: ['ReadWriteOnce'], retain: true },
      network: { hostNetwork: false, dnsPolicy: 'ClusterFirst', ingress: [{ host: `w${i}.example.com`, path: '/', port: 'http' }] },
      backup: { enabled: true, schedule: '0 3 * * *', retentionDays: 30, destination: { bucket: 'backups', prefix: `w-${i}/`, region: 'eu' } },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'bench', effect: 'NoSchedule', tolerationSeconds: 300 }],
    },
    status: {
      phase: 'Running',
      readyReplicas: i % 50,
      observedGeneration: 3,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'AllGood', message: 'ready', lastTransitionTime: '2026-11-23T10:00:00Z' },
        { type: 'Progressing', status: 'False', lastTransitionTime: '2026-11-23T10:00:00Z' },
      ],
    },
  } as KObject;
}

/** A valid object with one to three violations (type, enum, bounds, pattern, required, duplicates). */
export function invalidObject(i: number): KObject {
  const o = validObject(i) as KObject & { spec: Record<string, any>; status: Record<string, any> };
  switch (i % 6) {
    case 0:
      o.spec.replicas = 1000;
      o.spec.mode = 'sleeping';
      break;
    case 1:
      o.spec.containers[0].ports.push({ containerPort: 8080 });
      o.spec.containers[1].name = 'Not_A_Dns_Label';
      break;
    case 2:
      delete o.spec.containers[1].image;
      o.spec.storage.size = 1.5;
      break;
    case 3:
      o.spec.labels.long = 'x'.repeat(100);
      o.spec.backup.destination.region = 'mars';
      o.spec.network.ingress[0].path = 'relative';
      break;
    case 4:
      o.status.conditions[0].status = 'Maybe';
      o.status.readyReplicas = -1;
      break;
    default:
      o.spec.paused = 'yes';
      o.spec.priority = 5000;
      o.spec.storage.accessModes = ['ReadWriteOnce', 'ReadWriteOnce'];
  }
  return o;
}

// ---- measuring ----------------------------------------------------------------------------------

interface Row {
  row: string;
  set: string;
  ops: number;
  opsPerSec: number;
  usPerOp: number;
  invalidFound: number;
}

function measure(row: string, set: string, objs: KObject[], fn: (o: KObject) => boolean): Row {
  // warm-up: one pass (JIT), then ROUNDS measured passes over the same objects
  for (const o of objs) fn(o);
  let invalidFound = 0;
  const t = performance.now();
  for (let r = 0; r < ROUNDS; r++) for (const o of objs) if (!fn(o)) invalidFound++;
  const ms = performance.now() - t;
  const ops = ROUNDS * objs.length;
  return { row, set, ops, opsPerSec: Math.round((ops / ms) * 1000), usPerOp: Math.round((ms / ops) * 1000 * 100) / 100, invalidFound: invalidFound / ROUNDS };
}

function measureAll(sets: [string, KObject[]][], ajvValidate: (o: unknown) => unknown): Row[] {
  const rows: Row[] = [];
  for (const [set, objs] of sets) {
    rows.push(measure('ajv (compiled, allErrors)', set, objs, (o) => ajvValidate(o) as boolean));
    rows.push(measure('ours: validateValue (interpreted)', set, objs, (o) => validateValue(o, SCHEMA, '').length === 0));
    rows.push(measure('ours: validateCompiled (compiled once)', set, objs, (o) => validateCompiled(o, SCHEMA, '').length === 0));
    rows.push(measure('ours: validateCustomResource', set, objs, (o) => validateCustomResource(o, SCHEMA).length === 0));
    rows.push(measure('structuredClone alone (bench overhead below)', set, objs, (o) => !!structuredClone(o)));
    rows.push(
      measure('ours: clone + prune/default + validateCustomResource', set, objs, (o) => {
        const c = structuredClone(o);
        pruneAndDefault(c, SCHEMA);
        return validateCustomResource(c, SCHEMA).length === 0;
      }),
    );
  }
  return rows;
}

function main(): void {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const ajvValidate = ajv.compile(toJsonSchema(SCHEMA));
  const valid = Array.from({ length: OBJECTS }, (_, i) => validObject(i));
  const mixed = Array.from({ length: OBJECTS }, (_, i) => ((i * 7919) % 100 < INVALID_PERCENT ? invalidObject(i) : validObject(i)));
  const expectedInvalid = mixed.filter((_, i) => (i * 7919) % 100 < INVALID_PERCENT).length;
  const sets: [string, KObject[]][] = [
    ['valid', valid],
    [`mixed (${INVALID_PERCENT}% invalid)`, mixed],
  ];
  // sanity: both validators agree on which objects are invalid
  for (const [set, objs] of sets) {
    for (const o of objs) {
      const oursOk = validateCustomResource(o, SCHEMA).length === 0;
      const ajvOk = ajvValidate(o) as boolean;
      if (oursOk !== ajvOk) throw new Error(`${set}: ours says ${oursOk ? 'valid' : 'invalid'}, ajv ${ajvOk ? 'valid' : 'invalid'} for ${o.metadata.name}: ${JSON.stringify(validateCustomResource(o, SCHEMA))} / ${JSON.stringify(ajvValidate.errors)}`);
    }
  }
  // every row REPEATS times, interleaved (JIT state and machine load even out); the median is kept
  const runs: Row[][] = [];
  for (let rep = 0; rep < REPEATS; rep++) runs.push(measureAll(sets, ajvValidate));
  const rows = runs[0].map((r, i) => {
    const all = runs.map((run) => run[i]).sort((a, b) => a.opsPerSec - b.opsPerSec);
    return all[Math.floor(all.length / 2)];
  });
  for (const r of rows) if (r.set !== 'valid' && !r.row.startsWith('structuredClone') && r.invalidFound !== expectedInvalid) throw new Error(`${r.row}: ${r.invalidFound} invalid, expected ${expectedInvalid}`);

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`${pad('row', 56)}${pad('set', 22)}${'ops/s'.padStart(10)}${'µs/op'.padStart(10)}${'ours/ajv'.padStart(10)}`);
  const ratios: Record<string, number> = {};
  for (const r of rows) {
    const base = rows.find((x) => x.set === r.set && x.row.startsWith('ajv'))!;
    const ratio = Math.round((r.opsPerSec / base.opsPerSec) * 1000) / 1000;
    if (!r.row.startsWith('ajv') && !r.row.startsWith('structuredClone')) ratios[`${r.row} / ${r.set}`] = ratio;
    console.log(`${pad(r.row, 56)}${pad(r.set, 22)}${String(r.opsPerSec).padStart(10)}${String(r.usPerOp).padStart(10)}${(r.row.startsWith('ajv') ? '' : `${ratio}x`).padStart(10)}`);
  }

  const result = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: cpus().length,
    objects: OBJECTS,
    rounds: ROUNDS,
    repeats: REPEATS,
    invalidPercent: INVALID_PERCENT,
    rows,
    ratiosOursOverAjv: ratios,
  };
  const out = join(REPO_ROOT, 'bench', 'results', 'crd-validation.json');
  void mkdir(join(REPO_ROOT, 'bench', 'results'), { recursive: true })
    .then(() => writeFile(out, JSON.stringify(result, null, 2) + '\n'))
    .then(() => console.log(`\nwrote ${out}`));
}

main();
