/**
 * A small renderer for the Helm chart in deploy/helm/kubernest — no helm binary needed.
 *
 * It understands only this subset of Go templates (anything else is an error, never silently
 * passed through):
 *   {{ .Values.a.b }}  {{ .Release.Name }}  {{ .Release.Namespace }}  {{ .Chart.Name }}  {{ .Chart.Version }}
 *   {{ if .Values.x }} ... {{ else }} ... {{ end }}   (Go truthiness: false, 0, "", [], {} and null are false)
 *   pipelines: {{ .Values.x | quote }}  {{ toYaml .Values.x | nindent N }}  ({{ ... | indent N }} too)
 *   {{/* comments *\/}}, and the {{- / -}} whitespace trimming markers.
 * A reference to a value that does not exist is an error (helm would print "<no value>").
 *
 * CLI: node dist/deploy/helm/render.js [chartDir] [--name N] [--namespace NS] [--set a.b=v ...]
 * prints every rendered template as one multi-document YAML stream.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string };
  Chart: { Name: string; Version: string; [k: string]: unknown };
}

export class TemplateError extends Error {}

type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; expr: string; pos: number }
  | { type: 'if'; cond: string; then: Node[]; else: Node[]; pos: number };

interface Token {
  kind: 'text' | 'action';
  text: string;
  pos: number;
}

/** Splits a template into text and actions, applying the {{- and -}} trimming markers. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) tokens.push({ kind: 'text', text, pos: i });
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed action at offset ${open}`);
    let inner = src.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    if (text) tokens.push({ kind: 'text', text, pos: i });
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) tokens.push({ kind: 'action', text: inner, pos: open });
    i = close + 2;
  }
  return tokens;
}

function parse(tokens: Token[]): Node[] {
  let k = 0;
  const block = (inIf: boolean): { nodes: Node[]; ended: 'end' | 'else' | 'eof' } => {
    const nodes: Node[] = [];
    while (k < tokens.length) {
      const t = tokens[k++];
      if (t.kind === 'text') {
        nodes.push({ type: 'text', text: t.text });
        continue;
      }
      const m = /^(\w+)\b\s*(.*)$/s.exec(t.text);
      const word = m?.[1];
      if (word === 'if') {
        const thenPart = block(true);
        let elsePart: Node[] = [];
        if (thenPart.ended === 'else') {
          const e = block(true);
          if (e.ended !== 'end') throw new TemplateError(`{{ if }} at offset ${t.pos} has no {{ end }}`);
          elsePart = e.nodes;
        } else if (thenPart.ended !== 'end') throw new TemplateError(`{{ if }} at offset ${t.pos} has no {{ end }}`);
        nodes.push({ type: 'if', cond: m![2].trim(), then: thenPart.nodes, else: elsePart, pos: t.pos });
      } else if (word === 'end' || word === 'else') {
        if (!inIf) throw new TemplateError(`unexpected {{ ${word} }} at offset ${t.pos}`);
        if (m![2].trim()) throw new TemplateError(`unsupported {{ ${t.text} }} at offset ${t.pos}`);
        return { nodes, ended: word };
      } else {
        nodes.push({ type: 'action', expr: t.text, pos: t.pos });
      }
    }
    return { nodes, ended: 'eof' };
  };
  const top = block(false);
  return top.nodes;
}

function lookup(path: string, ctx: RenderContext): unknown {
  if (!/^\.[A-Za-z_][\w]*(\.[A-Za-z_][\w-]*)*$/.test(path)) throw new TemplateError(`unsupported expression "${path}"`);
  const parts = path.slice(1).split('.');
  if (!['Values', 'Release', 'Chart'].includes(parts[0])) throw new TemplateError(`unsupported expression "${path}"`);
  let cur: unknown = ctx;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) throw new TemplateError(`${path}: no such value`);
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** What helm's toYaml prints: YAML without the trailing newline. */
function toYaml(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  return stringifyYaml(v, { lineWidth: 0 }).replace(/\n$/, '');
}

function scalar(v: unknown, expr: string): string {
  if (v === null || v === undefined) throw new TemplateError(`${expr}: no such value`);
  if (typeof v === 'object') throw new TemplateError(`${expr} is a ${Array.isArray(v) ? 'list' : 'map'}: use toYaml`);
  return String(v);
}

function evalPipeline(expr: string, ctx: RenderContext): string {
  const stages = expr.split('|').map((s) => s.trim());
  const first = stages[0].split(/\s+/);
  let value: unknown;
  if (first[0] === 'toYaml' && first.length === 2) value = toYaml(lookup(first[1], ctx));
  else if (first.length === 1 && first[0].startsWith('.')) value = lookup(first[0], ctx);
  else if (first.length === 1 && /^"([^"\\]|\\.)*"$/.test(first[0])) value = JSON.parse(first[0]);
  else throw new TemplateError(`unsupported expression "${stages[0]}"`);
  for (const stage of stages.slice(1)) {
    const [fn, ...args] = stage.split(/\s+/);
    if (fn === 'quote' && args.length === 0) value = JSON.stringify(scalar(value, expr));
    else if (fn === 'toYaml' && args.length === 0) value = toYaml(value);
    else if ((fn === 'nindent' || fn === 'indent') && args.length === 1 && /^\d+$/.test(args[0])) {
      const pad = ' '.repeat(Number(args[0]));
      const text = scalar(value, expr)
        .split('\n')
        .map((l) => pad + l)
        .join('\n');
      value = fn === 'nindent' ? `\n${text}` : text;
    } else throw new TemplateError(`unsupported function "${stage}"`);
  }
  return scalar(value, expr);
}

function evalNodes(nodes: Node[], ctx: RenderContext): string {
  let out = '';
  for (const n of nodes) {
    if (n.type === 'text') out += n.text;
    else if (n.type === 'action') out += evalPipeline(n.expr, ctx);
    else {
      const parts = n.cond.split(/\s+/);
      if (parts.length !== 1) throw new TemplateError(`unsupported condition "${n.cond}" at offset ${n.pos}`);
      out += evalNodes(truthy(lookup(parts[0], ctx)) ? n.then : n.else, ctx);
    }
  }
  return out;
}

/** Renders one template text. */
export function renderTemplate(src: string, ctx: RenderContext): string {
  return evalNodes(parse(tokenize(src)), ctx);
}

/** Deep merge (maps merge, everything else is replaced), like helm's values overrides. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? mergeValues(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** `a.b.c=v` as {a:{b:{c:v}}}; v is parsed as YAML (numbers, booleans), like helm --set for scalars. */
export function parseSet(s: string): Record<string, unknown> {
  const eq = s.indexOf('=');
  if (eq <= 0) throw new TemplateError(`--set ${s}: want key=value`);
  const keys = s.slice(0, eq).split('.');
  let v: unknown = parseYaml(s.slice(eq + 1));
  for (const k of keys.reverse()) v = { [k]: v };
  return v as Record<string, unknown>;
}

export interface RenderChartOptions {
  releaseName?: string;
  namespace?: string;
  values?: Record<string, unknown>;
}

/** Renders every templates/*.yaml of a chart (files starting with `_` are skipped), by file name. */
export function renderChart(chartDir: string, o: RenderChartOptions = {}): Map<string, string> {
  const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
  const defaults = (parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const ctx: RenderContext = {
    Values: mergeValues(defaults, o.values ?? {}),
    Release: { Name: o.releaseName ?? chart.name, Namespace: o.namespace ?? 'default' },
    Chart: { ...chart, Name: chart.name, Version: String(chart.version) },
  };
  const out = new Map<string, string>();
  const dir = join(chartDir, 'templates');
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith('_') || !/\.ya?ml$/.test(f)) continue;
    try {
      out.set(f, renderTemplate(readFileSync(join(dir, f), 'utf8'), ctx));
    } catch (e) {
      throw new TemplateError(`templates/${f}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** The rendered chart as one YAML stream, each document headed by `# Source: <chart>/templates/<file>`. */
export function renderChartStream(chartDir: string, o: RenderChartOptions = {}): string {
  const parts: string[] = [];
  for (const [file, text] of renderChart(chartDir, o)) {
    if (!text.trim()) continue;
    parts.push(`---\n# Source: ${basename(resolve(chartDir))}/templates/${file}\n${text.replace(/^\s*---\s*\n/, '').trimEnd()}\n`);
  }
  return parts.join('');
}

export function main(argv: string[]): number {
  // the chart next to this file (ts) or in the source tree above dist/ (compiled)
  let chartDir = [join(__dirname, 'kubernest'), resolve(__dirname, '../../../deploy/helm/kubernest')].find((d) => existsSync(join(d, 'Chart.yaml'))) ?? '.';
  const o: RenderChartOptions = { values: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') && !a.startsWith('--set=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new TemplateError(`${a} needs a value`);
      return v;
    };
    if (a === '--name' || a.startsWith('--name=')) o.releaseName = val();
    else if (a === '--namespace' || a.startsWith('--namespace=')) o.namespace = val();
    else if (a === '--set') o.values = mergeValues(o.values!, parseSet(argv[++i] ?? ''));
    else if (a.startsWith('--set=')) o.values = mergeValues(o.values!, parseSet(a.slice(6)));
    else if (!a.startsWith('-')) chartDir = a;
    else throw new TemplateError(`unknown flag ${a}`);
  }
  process.stdout.write(renderChartStream(chartDir, o));
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
