/**
 * Field sets of server-side apply (sigs.k8s.io/structured-merge-diff fieldpath.Set) and their
 * wire form, FieldsV1 (`metadata.managedFields[].fieldsV1`).
 *
 * A path is a list of path elements, each kept in its FieldsV1 spelling:
 *   `f:name`               a field of a struct or a key of a map
 *   `k:{"name":"nginx"}`   an item of a map-keyed list (key fields sorted by name, JSON values)
 *   `v:"x"`                an item of a set list (its JSON value)
 *   `i:3`                  an item of a list by index (only read, never produced)
 * A set holds paths as a tree: `members` are the paths ending at this node, `children` the
 * subtrees. In FieldsV1 a member with children is written as `".": {}` inside the child.
 */

export class FieldSet {
  readonly members = new Set<string>();
  readonly children = new Map<string, FieldSet>();

  /** Add one path (its elements in FieldsV1 spelling). */
  insert(path: readonly string[]): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.child(path[i]);
    node.members.add(path[path.length - 1]);
  }

  /** The child node of `pe`, created when missing. */
  child(pe: string): FieldSet {
    let c = this.children.get(pe);
    if (!c) {
      c = new FieldSet();
      this.children.set(pe, c);
    }
    return c;
  }

  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]);
    return !!node && path.length > 0 && node.members.has(path[path.length - 1]);
  }

  /** Whether the set holds `path` or any path below it. */
  hasPrefix(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(path[i]);
    if (!node || path.length === 0) return !!node && !node.empty();
    const last = path[path.length - 1];
    if (node.members.has(last)) return true;
    const c = node.children.get(last);
    return !!c && !c.empty();
  }

  empty(): boolean {
    if (this.members.size > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) out.members.add(m);
    for (const [pe, c] of this.children) out.children.set(pe, c.copy());
    return out;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.addAll(other);
    return out;
  }

  private addAll(other: FieldSet): void {
    for (const m of other.members) this.members.add(m);
    for (const [pe, c] of other.children) this.child(pe).addAll(c);
  }

  /** Paths of this set that are not in `other` (exact paths, as fieldpath.Set.Difference). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      const d = o ? c.difference(o) : c.copy();
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      const o = other.children.get(pe);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty()) out.children.set(pe, i);
    }
    return out;
  }

  /** Paths of this set that are neither in `other` nor below a path of `other` (RecursiveDifference). */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const m of this.members) if (!other.members.has(m)) out.members.add(m);
    for (const [pe, c] of this.children) {
      if (other.members.has(pe)) continue;
      const o = other.children.get(pe);
      const d = o ? c.recursiveDifference(o) : c.copy();
      if (!d.empty()) out.children.set(pe, d);
    }
    return out;
  }

  /** Every member path, in sorted order (fields, then keys, then values, then indices). */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      const pes = new Set<string>([...node.members, ...node.children.keys()]);
      for (const pe of [...pes].sort(comparePathElements)) {
        if (node.members.has(pe)) out.push([...prefix, pe]);
        const c = node.children.get(pe);
        if (c) walk(c, [...prefix, pe]);
      }
    };
    walk(this, []);
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).empty() && other.difference(this).empty();
  }

  /** The FieldsV1 JSON object of this set. */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const pes = new Set<string>([...this.members, ...this.children.keys()]);
    for (const pe of [...pes].sort()) {
      const c = this.children.get(pe);
      if (c && !c.empty()) {
        const inner = c.toFieldsV1();
        out[pe] = this.members.has(pe) ? { '.': {}, ...inner } : inner;
      } else if (this.members.has(pe)) {
        out[pe] = {};
      }
    }
    return out;
  }

  /** Decode FieldsV1; throws an Error with upstream's wording on malformed input. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    decodeInto(out, v);
    return out;
  }
}

function decodeInto(node: FieldSet, v: unknown): void {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected an object');
  for (const [pe, sub] of Object.entries(v as Record<string, unknown>)) {
    if (pe === '.') continue;
    if (!/^[fkvi]:/.test(pe)) throw new Error(`unexpected key: ${pe}`);
    if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new Error(`expected an object for ${pe}`);
    const entries = Object.keys(sub as object);
    if (entries.length === 0 || Object.prototype.hasOwnProperty.call(sub, '.')) node.members.add(pe);
    if (entries.some((k) => k !== '.')) decodeInto(node.child(pe), sub);
  }
}

const PE_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function comparePathElements(a: string, b: string): number {
  const ra = PE_RANK[a[0]] ?? 4;
  const rb = PE_RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- path elements -----------------------------------------------------------------------------

export const fieldPE = (name: string): string => `f:${name}`;

/** A map-list item's element: its key fields sorted by name, values as JSON. */
export function keyPE(item: Record<string, unknown>, keys: readonly string[]): string {
  const sorted = [...keys].sort();
  const parts = sorted.filter((k) => item[k] !== undefined).map((k) => `${JSON.stringify(k)}:${JSON.stringify(item[k])}`);
  return `k:{${parts.join(',')}}`;
}

export const valuePE = (value: unknown): string => `v:${JSON.stringify(value)}`;

/** fieldpath.Path.String(): `.spec.template.spec.containers[name="nginx"].image`. */
export function pathString(path: readonly string[]): string {
  let out = '';
  for (const pe of path) {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        let kv: string[] = [];
        try {
          const obj = JSON.parse(body) as Record<string, unknown>;
          kv = Object.entries(obj).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        } catch {
          kv = [body];
        }
        out += `[${kv.join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      case 'i':
        out += `[${body}]`;
        break;
      default:
        out += pe;
    }
  }
  return out;
}
