import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { mergeValues, parseSet, renderChart, renderChartStream, RenderContext, renderTemplate, TemplateError } from './render';

const ctx = (values: Record<string, unknown> = {}): RenderContext => ({
  Values: values,
  Release: { Name: 'rel', Namespace: 'ns1' },
  Chart: { Name: 'kubernest', Version: '0.1.0' },
});

describe('renderTemplate', () => {
  it('substitutes values, release and chart fields', () => {
    const out = renderTemplate('a: {{ .Values.a.b }}\nn: {{ .Release.Name }}/{{ .Release.Namespace }}\nc: {{ .Chart.Name }}-{{ .Chart.Version }}', ctx({ a: { b: 3 } }));
    expect(out).toBe('a: 3\nn: rel/ns1\nc: kubernest-0.1.0');
  });

  it('quotes', () => {
    expect(renderTemplate('v: {{ .Values.s | quote }}', ctx({ s: 'say "hi"' }))).toBe('v: "say \\"hi\\""');
    expect(renderTemplate('v: {{ .Values.n | quote }}', ctx({ n: 2 }))).toBe('v: "2"');
  });

  it('toYaml | nindent and indent', () => {
    const out = renderTemplate('r:\n  x:{{ toYaml .Values.r | nindent 4 }}\ny: {{ .Values.s | indent 2 }}', ctx({ r: { cpu: '1', mem: ['a', 'b'] }, s: 'k' }));
    expect(out).toBe('r:\n  x:\n    cpu: "1"\n    mem:\n      - a\n      - b\ny:   k');
  });

  it('if / else / end with Go truthiness and trimming markers', () => {
    const t = 'a: 1\n{{- if .Values.on }}\nb: 2\n{{- else }}\nc: 3\n{{- end }}\nd: 4';
    expect(renderTemplate(t, ctx({ on: true }))).toBe('a: 1\nb: 2\nd: 4');
    for (const off of [false, 0, '', [], {}, null]) expect(renderTemplate(t, ctx({ on: off }))).toBe('a: 1\nc: 3\nd: 4');
    expect(renderTemplate('x {{ if .Values.a }}{{ if .Values.b }}AB{{ end }}A{{ end }} y', ctx({ a: 1, b: 1 }))).toBe('x ABA y');
    expect(renderTemplate('x {{- /* gone */ -}} y', ctx())).toBe('xy');
  });

  it('rejects what it does not support, and missing values', () => {
    const bad = ['{{ .Values.missing }}', '{{ range .Values.l }}{{ end }}', '{{ include "x" . }}', '{{ .Values.a | upper }}', '{{ if .Values.a }}', '{{ end }}', '{{ .Values.m }}', '{{ .Values.a'];
    for (const t of bad) expect(() => renderTemplate(t, ctx({ a: 'x', m: { k: 1 }, l: [] })), t).toThrow(TemplateError);
  });
});

describe('values', () => {
  it('merges overrides deeply and parses --set', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, l: [1] }, { a: { c: 3 }, l: [2] })).toEqual({ a: { b: 1, c: 3 }, l: [2] });
    expect(parseSet('apiserver.replicas=5')).toEqual({ apiserver: { replicas: 5 } });
    expect(parseSet('image.tag=v1')).toEqual({ image: { tag: 'v1' } });
  });
});

describe('the kubernest chart', () => {
  const chart = join(__dirname, 'kubernest');

  it('renders to valid YAML with the defaults', () => {
    const files = renderChart(chart, { releaseName: 'kubernest', namespace: 'kubernest' });
    expect(files.size).toBeGreaterThan(5);
    const docs = parseAllDocuments(renderChartStream(chart, { releaseName: 'kubernest', namespace: 'kubernest' }));
    for (const d of docs) expect(d.errors).toEqual([]);
    const objs = docs.map((d) => d.toJS()).filter(Boolean) as { kind: string; metadata: { name: string; namespace?: string } }[];
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['StatefulSet', 'Deployment', 'Service', 'PodDisruptionBudget', 'ConfigMap', 'Secret', 'ServiceAccount']) expect(kinds).toContain(k);
    for (const o of objs) if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe('kubernest');
  });

  it('is parameterised by replicas, image and etcd size', () => {
    const stream = renderChartStream(chart, {
      namespace: 'cp1',
      values: mergeValues(mergeValues(parseSet('apiserver.replicas=5'), parseSet('image.tag=v9')), parseSet('etcd.storage=50Gi')),
    });
    const objs = parseAllDocuments(stream).map((d) => d.toJS()) as Record<string, any>[];
    const api = objs.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('apiserver'))!;
    expect(api.spec.replicas).toBe(5);
    expect(api.spec.template.spec.containers[0].image).toBe('kubernest/apiserver:v9');
    const etcd = objs.find((o) => o.kind === 'StatefulSet')!;
    expect(etcd.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi');
    expect(api.metadata.namespace).toBe('cp1');
  });
});
