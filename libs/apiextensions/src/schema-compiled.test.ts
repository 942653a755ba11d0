import { describe, expect, it } from 'vitest';
import { FieldError } from '../../apimachinery/src/field-errors';
import { applyDefaults, JSONSchemaProps, prune, validateValue } from './schema';
import { applyDefaultsCompiled, compiledValidator, fastRootCheck, pruneCompiled, schemaHas, validateCompiled } from './schema-compiled';

const S: JSONSchemaProps = {
  type: 'object',
  required: ['spec'],
  maxProperties: 4,
  properties: {
    metadata: { type: 'string' },
    spec: {
      type: 'object',
      required: ['name', 'ports'],
      minProperties: 2,
      properties: {
        name: { type: 'string', pattern: '^[a-z]+$', maxLength: 5, minLength: 2 },
        uni: { type: 'string', maxLength: 3, minLength: 3 },
        count: { type: 'integer', minimum: 1, maximum: 10, exclusiveMaximum: true, multipleOf: 2 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true, nullable: true },
        mode: { type: 'string', enum: ['a', 'b'] },
        anyEnum: { enum: [1, 'x', true, null, { k: 1 }] },
        ios: { 'x-kubernetes-int-or-string': true, format: 'int-or-string' },
        when: { type: 'string', format: 'date-time' },
        flag: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3, minItems: 1 },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'proto'],
          items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, proto: { type: 'string', enum: ['TCP', 'UDP'] } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 }, maxProperties: 2, minProperties: 1 },
        any: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        one: { oneOf: [{ type: 'integer', minimum: 5 }, { type: 'integer', maximum: 10 }] },
        all: { allOf: [{ type: 'integer', minimum: 0 }, { type: 'integer', maximum: 3 }] },
        not: { type: 'string', not: { type: 'string', enum: ['forbidden'] } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

/** a deterministic generator of values near and far from the schema */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
const SAMPLES: unknown[] = [null, 0, 1, 2, 3, 4, 5, 7, 10, 11, -1, 1.5, 0.25, '', 'a', 'b', 'ab', 'abc', 'abcdef', 'A', '😀😀😀', '😀', 'x', 'forbidden', 'TCP', 'UDP', 'SCTP',
  '2026-11-23T10:00:00Z', 'not-a-date', true, false, [], ['a'], ['a', 'a'], ['a', 'b', 'c', 'd'], [1, 2], {}, { k: 1 }, { a: 'x' }, { a: 'toolong' }, { a: 'x', b: 'y', c: 'z' }];

function gen(s: JSONSchemaProps | undefined, r: () => number, depth: number, noise: number): unknown {
  if (!s || r() < noise || depth > 5) return SAMPLES[Math.floor(r() * SAMPLES.length)];
  if (s.type === 'object' || s.properties) {
    const o: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(s.properties ?? {})) if (r() < 0.7) o[k] = gen(p, r, depth + 1, noise);
    if (r() < 0.2) o[`extra${Math.floor(r() * 3)}`] = gen(typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined, r, depth + 1, noise);
    return o;
  }
  if (s.type === 'array') return Array.from({ length: Math.floor(r() * 5) }, () => (r() < 0.3 ? { port: 80, proto: 'TCP' } : gen(s.items, r, depth + 1, noise)));
  if (s.enum) return s.enum[Math.floor(r() * s.enum.length)];
  const typed = SAMPLES.filter((x) => (s.type === 'integer' ? Number.isInteger(x) : s.type ? typeof x === s.type : true));
  return typed[Math.floor(r() * typed.length)];
}

describe('compiled schema validator', () => {
  it('gives exactly validateValue’s errors (messages, paths, order) on 5,000 generated values', () => {
    const r = rng(42);
    const counts = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const v = gen(S, r, 0, i % 2 ? 0.2 : 0.01);
      const path = i % 3 === 0 ? '' : 'x';
      const want = validateValue(v, S, path);
      counts.add(want.length);
      expect(validateCompiled(v, S, path)).toEqual(want);
      expect(compiledValidator(S)).toBeTruthy();
      const closure: FieldError[] = [];
      compiledValidator(S)(v, path, closure);
      expect(closure).toEqual(want);
      if (path === '') expect(fastRootCheck(S)(v)).toBe(want.length === 0);
    }
    expect(counts.size).toBeGreaterThan(8); // from one error to many
    const valid = { spec: { name: 'ab', ports: [{ port: 1 }, { port: 1, proto: 'UDP' }], count: 2, labels: { a: 'x' }, one: 2, all: 1, any: 'q', ios: 3, uni: '😀😀😀' } };
    expect(validateValue(valid, S, '')).toEqual([]);
    expect(validateCompiled(valid, S, '')).toEqual([]);
  });

  it('compiles a schema once and caches it with the schema object', () => {
    expect(compiledValidator(S)).toBe(compiledValidator(S));
    expect(compiledValidator({ ...S })).not.toBe(compiledValidator(S));
  });

  it('throws on an invalid pattern when a string is validated, as validateValue', () => {
    const bad: JSONSchemaProps = { type: 'string', pattern: '(' };
    expect(() => validateValue('a', bad, '')).toThrow();
    expect(() => validateCompiled('a', bad, '')).toThrow();
    expect(validateCompiled(1, { type: 'object', properties: { a: bad } }, '')).toHaveLength(1);
  });

  it('schemaHas finds keys anywhere in the tree', () => {
    expect(schemaHas(S, 'x-kubernetes-preserve-unknown-fields')).toBe(true);
    expect(schemaHas(S, 'x-kubernetes-validations')).toBe(false);
    expect(schemaHas({ type: 'array', items: { 'x-kubernetes-embedded-resource': true } }, 'x-kubernetes-embedded-resource')).toBe(true);
  });

  it('prunes and defaults exactly as prune and applyDefaults', () => {
    const D: JSONSchemaProps = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            a: { type: 'integer', default: 1 },
            b: { type: 'string', default: 'x', nullable: true },
            c: { type: 'boolean', default: false },
            nested: { type: 'object', default: { z: 1 }, properties: { z: { type: 'integer' }, y: { type: 'string', default: 'y' } } },
            list: { type: 'array', items: { type: 'object', properties: { n: { type: 'string', default: 'n' }, e: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { q: { type: 'string' } } } } } },
            map: { type: 'object', additionalProperties: { type: 'object', properties: { d: { type: 'integer', default: 7 } } } },
            keep: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'string', default: 'k' } } },
            plain: { type: 'object', properties: { p: { type: 'string' } } },
          },
        },
        status: { type: 'object', additionalProperties: true },
      },
    };
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const v = { apiVersion: 'v', kind: 'K', metadata: { name: 'n' }, junk: i % 2 ? 1 : undefined, ...(gen(D, r, 0, 0.1) as object) };
      if (i % 3 === 0) (v as Record<string, unknown>).spec = { nested: null, b: null, a: null, list: [{ e: { kind: 'X', zz: 1 } }, {}], map: { m: {}, n: { d: null } }, keep: { u: 1 }, extra: 1 };
      const a = structuredClone(v);
      const b = structuredClone(v);
      const pa: string[] = [];
      const pb: string[] = [];
      prune(a, D, true, pa);
      pruneCompiled(b, D, true, pb);
      expect(b).toEqual(a);
      expect(pb).toEqual(pa);
      applyDefaults(a, D);
      applyDefaultsCompiled(b, D);
      expect(JSON.stringify(b)).toEqual(JSON.stringify(a));
    }
  });
});
