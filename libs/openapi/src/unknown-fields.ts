/**
 * Unknown- and duplicate-field detection for `fieldValidation=Warn|Strict`, following the upstream
 * strict JSON decoder (sigs.k8s.io/json): paths are dotted from the object root, list items as `[i]`
 * (`spec.template.spec.containers[0].foo`); messages are `unknown field "<path>"` and
 * `duplicate field "<path>"`; identical messages are reported once, at most 100 of them.
 *
 * Known fields come from the client-node model of the kind (recursively). Values typed `any`
 * (RawExtension, JSON, FieldsV1...) and kinds without a model are open: nothing inside is unknown.
 */
import { hasModel, modelInfo } from './model-catalog';
import { TypeExpr } from './type-expr';

const MAX_ERRORS = 100;

/**
 * Paths of the fields of `obj` that the model `modelType` (client-node class name, e.g. 'V1Deployment')
 * does not know, in document order, e.g. `['spec.foo', 'spec.template.spec.containers[0].bar']`.
 */
export function findUnknownFields(modelType: string, obj: unknown): string[] {
  const out = new Set<string>();
  if (hasModel(modelType)) walkModel(modelType, obj, '', out);
  return [...out].slice(0, MAX_ERRORS);
}

/** `unknown field "<path>"` for every unknown field (the upstream warning / strict error text). */
export function unknownFieldMessages(modelType: string, obj: unknown): string[] {
  return findUnknownFields(modelType, obj).map((p) => `unknown field ${JSON.stringify(p)}`);
}

/** JSON field names of a model (empty if the model is unknown). */
export function modelTypeFieldNames(modelType: string): string[] {
  return modelInfo(modelType)?.fields.map((f) => f.name) ?? [];
}

const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walkModel(model: string, value: unknown, path: string, out: Set<string>): void {
  if (!isPlainObject(value) || out.size >= MAX_ERRORS) return;
  const info = modelInfo(model);
  if (!info) return;
  const fields = new Map(info.fields.map((f) => [f.name, f.type]));
  for (const [key, child] of Object.entries(value)) {
    const type = fields.get(key);
    const childPath = join(path, key);
    if (!type) out.add(childPath);
    else walkType(type, child, childPath, out);
  }
}

function walkType(type: TypeExpr, value: unknown, path: string, out: Set<string>): void {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case 'model':
      if (hasModel(type.name)) walkModel(type.name, value, path, out);
      return;
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => walkType(type.items, item, `${path}[${i}]`, out));
      return;
    case 'map':
      if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walkType(type.values, v, join(path, k), out);
      return;
    default:
      return;
  }
}

/**
 * Paths of object keys that occur more than once in a JSON text (`duplicate field "<path>"` upstream),
 * in document order. Returns [] for invalid JSON (the caller's parser reports that).
 */
export function findDuplicateFields(json: string): string[] {
  const out = new Set<string>();
  try {
    new DuplicateScanner(json, out).scan();
  } catch {
    return [];
  }
  return [...out].slice(0, MAX_ERRORS);
}

export function duplicateFieldMessages(json: string): string[] {
  return findDuplicateFields(json).map((p) => `duplicate field ${JSON.stringify(p)}`);
}

class DuplicateScanner {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly out: Set<string>,
  ) {}

  scan(): void {
    this.value('');
  }

  private ws(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos])) this.pos++;
  }

  private value(path: string): void {
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') this.object(path);
    else if (c === '[') this.array(path);
    else if (c === '"') this.string();
    else this.literal();
  }

  private object(path: string): void {
    this.pos++; // {
    const seen = new Set<string>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      const childPath = join(path, key);
      if (seen.has(key)) this.out.add(childPath);
      seen.add(key);
      this.ws();
      if (this.text[this.pos++] !== ':') throw new Error('expected :');
      this.value(childPath);
      this.ws();
      const sep = this.text[this.pos++];
      if (sep === '}') return;
      if (sep !== ',') throw new Error('expected , or }');
    }
  }

  private array(path: string): void {
    this.pos++; // [
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.value(`${path}[${i}]`);
      this.ws();
      const sep = this.text[this.pos++];
      if (sep === ']') return;
      if (sep !== ',') throw new Error('expected , or ]');
    }
  }

  private string(): string {
    const start = this.pos;
    if (this.text[this.pos] !== '"') throw new Error('expected string');
    this.pos++;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '"') return JSON.parse(this.text.slice(start, this.pos)) as string;
    }
    throw new Error('unterminated string');
  }

  private literal(): void {
    const start = this.pos;
    while (this.pos < this.text.length && !',}] \t\r\n'.includes(this.text[this.pos])) this.pos++;
    if (this.pos === start) throw new Error('expected value');
  }
}
