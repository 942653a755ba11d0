/**
 * A compact description of Kubernetes' protobuf messages (the field numbers of upstream's
 * generated.proto files, written down here as facts): one entry per message, one line per field.
 *
 * A field is `"<jsonName>:<type>[modifiers]"`:
 * - type: a scalar (`string`, `int32`, `int64`, `bool`, `double`, `bytes`), a special
 *   (`Time`, `MicroTime`, `Duration`, `Quantity`, `IntOrString`, `RawExtension`,
 *   `FieldsV1`), another message
 *   name, or `map<K,V>` with scalar K and scalar/message V.
 * - `[]` repeated; `?` pointer in Go (the field is kept even when it holds a zero value).
 * - the name `...` marks a Go struct embedded with `json:",inline"` (e.g. `LocalObjectReference` in
 *   `ConfigMapKeySelector`, `VolumeSource` in `Volume`): on the wire it is a nested message, in JSON its
 *   fields sit in the enclosing object.
 */
export type MessageSchema = Record<number, string>;
export type SchemaSet = Record<string, MessageSchema>;

export const SCALARS = ['string', 'int32', 'int64', 'bool', 'double', 'bytes'] as const;
export type Scalar = (typeof SCALARS)[number];
export const SPECIALS = ['Time', 'MicroTime', 'Duration', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1'] as const;

export interface FieldSpec {
  name: string;
  type: string;
  repeated: boolean;
  pointer: boolean;
  /** embedded struct whose JSON fields are merged into the parent object */
  inline: boolean;
  map?: { key: string; value: string };
}

export const INLINE = '...';

const FIELD = /^(\.\.\.|[A-Za-z_$][\w$]*):(map<(\w+),\s*([\w.]+)>|[\w.]+)(\[\])?(\?)?$/;

export function parseField(spec: string): FieldSpec {
  const m = FIELD.exec(spec.trim());
  if (!m) throw new Error(`bad protobuf field spec: ${spec}`);
  const [, name, type, key, value, repeated, pointer] = m;
  const inline = name === INLINE;
  if (inline && (key || repeated || pointer)) throw new Error(`bad inline protobuf field spec: ${spec}`);
  return {
    name,
    type: key ? 'map' : type,
    repeated: !!repeated,
    pointer: !!pointer,
    inline,
    ...(key ? { map: { key, value } } : {}),
  };
}

/** Parsed, indexed form of a schema set; built once. */
export class CompiledSchemas {
  private readonly messages = new Map<string, Map<number, FieldSpec>>();

  constructor(sets: SchemaSet[]) {
    for (const set of sets) {
      for (const [msg, fields] of Object.entries(set)) {
        const parsed = new Map<number, FieldSpec>();
        for (const [num, spec] of Object.entries(fields)) parsed.set(Number(num), parseField(spec));
        this.messages.set(msg, parsed);
      }
    }
  }

  /** All message names, for tests. */
  names(): string[] {
    return [...this.messages.keys()];
  }

  has(message: string): boolean {
    return this.messages.has(message);
  }

  fields(message: string): Map<number, FieldSpec> {
    const f = this.messages.get(message);
    if (!f) throw new Error(`unknown protobuf message ${message}`);
    return f;
  }

  /** Every message name referenced by a field but not defined (for tests). */
  missing(): string[] {
    const out = new Set<string>();
    const known = (t: string) =>
      (SCALARS as readonly string[]).includes(t) || (SPECIALS as readonly string[]).includes(t) || this.messages.has(t);
    for (const [, fields] of this.messages) {
      for (const f of fields.values()) {
        if (f.map) {
          if (!known(f.map.value)) out.add(f.map.value);
        } else if (!known(f.type)) out.add(f.type);
      }
    }
    return [...out];
  }
}
