/**
 * The part of cel-go's type check that @bufbuild/cel lacks and CRD authors meet most: calls to
 * functions the environment does not declare are compile errors ("undeclared reference"), reported
 * with cel-go's text so that a CRD with a misspelt function is rejected at create time (422), not
 * at every evaluation.
 */

interface AstExpr {
  id: bigint | number | string;
  exprKind: { case?: string; value?: unknown };
}
interface AstCall {
  function: string;
  target?: AstExpr;
  args: AstExpr[];
}

/** `a.b.c` of an ident/select chain, or undefined. */
function dotted(e: AstExpr | undefined): string | undefined {
  if (!e) return undefined;
  if (e.exprKind.case === 'identExpr') return (e.exprKind.value as { name: string }).name;
  if (e.exprKind.case === 'selectExpr') {
    const s = e.exprKind.value as { operand: AstExpr; field: string };
    const base = dotted(s.operand);
    return base === undefined ? undefined : `${base}.${s.field}`;
  }
  return undefined;
}

function children(e: AstExpr): AstExpr[] {
  const v = e.exprKind.value as Record<string, unknown> | undefined;
  if (!v) return [];
  switch (e.exprKind.case) {
    case 'callExpr': {
      const c = v as unknown as AstCall;
      return [...(c.target ? [c.target] : []), ...c.args];
    }
    case 'selectExpr':
      return [v.operand as AstExpr];
    case 'listExpr':
      return v.elements as AstExpr[];
    case 'structExpr':
      return (v.entries as { mapKey?: AstExpr; value: AstExpr }[]).flatMap((x) => [...(x.mapKey ? [x.mapKey] : []), x.value]);
    case 'comprehensionExpr':
      return ['iterRange', 'accuInit', 'loopCondition', 'loopStep', 'result'].map((k) => v[k] as AstExpr).filter(Boolean);
    default:
      return [];
  }
}

/** cel-go's "ERROR: <input>:L:C: msg\n | line\n | ^" */
function formatError(expr: string, offset: number, msg: string): string {
  const before = expr.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = offset - lineStart;
  const text = expr.split('\n')[line - 1] ?? '';
  return `ERROR: <input>:${line}:${col + 1}: ${msg}\n | ${text}\n | ${'.'.repeat(col)}^`;
}

/**
 * The first call to an undeclared function in `parsed` (a cel.expr.ParsedExpr), as cel-go words it,
 * or undefined. Operators (`_+_`, `@in`, `!_`, ...) and macros are the engine's own.
 */
export function undeclaredCall(expr: string, parsed: unknown, declared: (name: string) => boolean, variables: string[]): string | undefined {
  const p = parsed as { expr?: AstExpr; sourceInfo?: { positions?: Record<string, number> } };
  const positions = p.sourceInfo?.positions ?? {};
  const stack: AstExpr[] = p.expr ? [p.expr] : [];
  const found: { offset: number; name: string }[] = [];
  while (stack.length) {
    const e = stack.pop() as AstExpr;
    if (e.exprKind.case === 'callExpr') {
      const c = e.exprKind.value as AstCall;
      const name = c.function;
      if (!/^[_@!-]/.test(name)) {
        const qualifier = dotted(c.target);
        const ok = declared(name) || (qualifier !== undefined && declared(`${qualifier}.${name}`));
        // a call on a bare name that is not a variable reads as a qualified function (format.x())
        const namespaced = c.target?.exprKind.case === 'identExpr' && qualifier !== undefined && !variables.includes(qualifier);
        if (!ok) found.push({ offset: positions[String(e.id)] ?? 0, name: namespaced ? `${qualifier}.${name}` : name });
      }
    }
    stack.push(...children(e));
  }
  if (found.length === 0) return undefined;
  found.sort((a, b) => a.offset - b.offset);
  return formatError(expr, found[0].offset, `undeclared reference to '${found[0].name}' (in container '')`);
}
