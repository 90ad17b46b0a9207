import { as, columnRefs, isVolatile, lastName, str, VOLATILE_FUNCTIONS } from '../ast.js';

/**
 * When an UPDATE changes nothing the second time it runs, shown from its text alone. Two ways:
 * - each assignment that reads a column the UPDATE writes is idempotent: applying it to its own
 *   result gives the same value (`x = lower(x)`, `x = coalesce(x, 0)`, `x = replace(x, 'a', 'b')`
 *   when 'b' does not contain 'a' and 'a' does not contain 'b', a CASE that maps values to values
 *   it leaves alone);
 * - or the WHERE clause rejects every row once the UPDATE has set it: a conjunct is false or NULL
 *   for the values the UPDATE writes (`SET status = 'done' … WHERE status <> 'done'`, `SET t =
 *   now() … WHERE t IS NULL`, `SET url = replace(url, '/a/', '/b/') WHERE url LIKE '%/a/%'`).
 * Anything else is not shown to converge.
 */

export interface Assignment {
  column: string;
  value: unknown;
}

/** What a column holds after the UPDATE, as far as the text tells. */
type After =
  | { kind: 'const'; key: string }
  | { kind: 'nonnull' }
  | { kind: 'expr'; tree: string }
  | { kind: 'replace'; from: string; to: string };

/** A comparable form of a constant (`'x'`, `'x'::t`, `true`, `42`, NULL), or undefined. */
export function constKey(tree: unknown): string | undefined {
  const cast = as<{ arg?: unknown }>(tree, 'TypeCast');
  const c = as<Record<string, unknown>>(cast ? cast.arg : tree, 'A_Const');
  if (!c) return undefined;
  if (c.isnull) return 'null';
  for (const k of ['sval', 'ival', 'fval', 'boolval', 'bsval']) {
    // The parser leaves zero values out ({"ival":{}}), so a missing field is a value too.
    if (k in c) return `${k}:${JSON.stringify((c[k] as Record<string, unknown>)[k] ?? null)}`;
  }
  return undefined;
}

function stringConst(tree: unknown): string | undefined {
  const key = constKey(tree);
  return key?.startsWith('sval:') ? (JSON.parse(key.slice(5)) as string | null) ?? '' : undefined;
}

/** The tree without parser positions: two equal expressions give equal text. */
function shape(tree: unknown): string {
  return JSON.stringify(tree, (k, v: unknown) => (k === 'location' ? undefined : v));
}

/** Whether `tree` reads any of `columns` (of the updated row). */
function reads(tree: unknown, columns: ReadonlySet<string>): boolean {
  return columnRefs(tree).some((r) => columns.has(r.name));
}

/** Functions that give the same value when applied to their own result, on text or numbers. */
const IDEMPOTENT = new Set(['lower', 'upper', 'btrim', 'ltrim', 'rtrim', 'abs', 'floor', 'ceil', 'ceiling', 'trunc', 'round']);

/** Whether SET column = value, applied to its own result, changes nothing (the other columns unchanged). */
export function idempotent(a: Assignment, written: ReadonlySet<string>): boolean {
  const others = new Set([...written].filter((c) => c !== a.column));
  if (reads(a.value, others) || isVolatile(a.value)) return false;
  return fixedPoint(a.value, a.column, new Set());
}

function isColumn(tree: unknown, column: string): boolean {
  const refs = as(tree, 'ColumnRef') ? columnRefs(tree) : [];
  return refs.length === 1 && refs[0]!.name === column;
}

/** f with f(f(x)) = f(x), for x = `column`; `cases` tracks lower/upper (mixing them is not idempotent). */
function fixedPoint(tree: unknown, column: string, cases: Set<string>): boolean {
  if (isColumn(tree, column)) return true;
  // COALESCE(x, …), GREATEST(x, c), LEAST(x, c), NULLIF(x, c) have nodes of their own.
  const coalesce = as<{ args?: unknown[] }>(tree, 'CoalesceExpr');
  if (coalesce?.args && coalesce.args.length >= 2) {
    return fixedPoint(coalesce.args[0], column, cases) && !coalesce.args.slice(1).some((r) => reads(r, new Set([column])) || isVolatile(r));
  }
  const minmax = as<{ args?: unknown[] }>(tree, 'MinMaxExpr');
  if (minmax) return minmax.args?.length === 2 && isColumn(minmax.args[0], column) && constKey(minmax.args[1]) !== undefined;
  const nullif = as<{ kind?: string; lexpr?: unknown; rexpr?: unknown }>(tree, 'A_Expr');
  if (nullif?.kind === 'AEXPR_NULLIF') return isColumn(nullif.lexpr, column) && constKey(nullif.rexpr) !== undefined;
  const call = as<{ funcname?: unknown[]; args?: unknown[] }>(tree, 'FuncCall');
  if (call) {
    const name = lastName(call.funcname)?.toLowerCase() ?? '';
    const args = call.args ?? [];
    const rest = args.slice(1);
    const constantRest = rest.every((r) => constKey(r) !== undefined);
    if (name === 'replace' && args.length === 3 && isColumn(args[0], column)) {
      const [from, to] = [stringConst(args[1]), stringConst(args[2])];
      return from !== undefined && to !== undefined && replaceSettles(from, to);
    }
    if (!IDEMPOTENT.has(name)) return false;
    // trims with a set of characters can meet case changes (lower(btrim(x, 'a'))): only whitespace trims.
    if (['btrim', 'ltrim', 'rtrim'].includes(name) && args.length !== 1) return false;
    if (['round', 'trunc'].includes(name) && !constantRest) return false;
    if (!['round', 'trunc'].includes(name) && args.length !== 1) return false;
    if (name === 'lower' || name === 'upper') {
      if (cases.has(name === 'lower' ? 'upper' : 'lower')) return false;
      cases.add(name);
    }
    return fixedPoint(args[0], column, cases);
  }
  return caseMapping(tree, column);
}

/**
 * replace(x, from, to) leaves no `from` behind when `to` does not contain `from` and (for a
 * non-empty `to`) `from` does not contain `to`. Left out, deliberately: values in which the
 * replacement's edges complete a new `from` (replace('/a/a/', '/a/', '/b/') gives '/b/a/'), or in
 * which deleting `from` joins its neighbours into one; such values are taken to be absent.
 */
export function replaceSettles(from: string, to: string): boolean {
  if (from === '') return true;
  if (to.includes(from)) return false;
  return to === '' || !from.includes(to);
}

/** CASE x WHEN 'a' THEN 'b' … ELSE x END (or WHEN x = 'a'), where no result is itself mapped elsewhere. */
function caseMapping(tree: unknown, column: string): boolean {
  const c = as<{ arg?: unknown; args?: unknown[]; defresult?: unknown }>(tree, 'CaseExpr');
  if (!c || !isColumn(c.defresult, column)) return false;
  const map = new Map<string, string>();
  for (const w of c.args ?? []) {
    const when = as<{ expr?: unknown; result?: unknown }>(w, 'CaseWhen');
    const result = constKey(when?.result);
    let key: string | undefined;
    if (c.arg !== undefined) key = isColumn(c.arg, column) ? constKey(when?.expr) : undefined;
    else {
      const eq = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(when?.expr, 'A_Expr');
      key = eq?.kind === 'AEXPR_OP' && str(eq.name?.[0]) === '=' && isColumn(eq.lexpr, column) ? constKey(eq.rexpr) : undefined;
    }
    if (key === undefined || result === undefined) return false;
    if (!map.has(key)) map.set(key, result);
  }
  return [...map.values()].every((v) => !map.has(v) || map.get(v) === v);
}

// -- the WHERE clause after the UPDATE

/** Functions whose result is never NULL. */
const NEVER_NULL = new Set([...VOLATILE_FUNCTIONS].filter((f) => !['nextval'].includes(f)));

function afterOf(a: Assignment): After {
  const key = constKey(a.value);
  if (key !== undefined) return { kind: 'const', key };
  const call = as<{ funcname?: unknown[]; args?: unknown[] }>(a.value, 'FuncCall');
  const name = call ? lastName(call.funcname)?.toLowerCase() : as<{ op?: string }>(a.value, 'SQLValueFunction')?.op?.toLowerCase();
  if (name && NEVER_NULL.has(name) && (call?.args ?? []).length === 0) return { kind: 'nonnull' };
  const coalesce = as<{ args?: unknown[] }>(a.value, 'CoalesceExpr');
  if (coalesce?.args?.some((x) => constKey(x) !== undefined && constKey(x) !== 'null')) return { kind: 'nonnull' };
  if (name === 'replace' && call?.args?.length === 3 && isColumn(call.args[0], a.column)) {
    const [from, to] = [stringConst(call.args[1]), stringConst(call.args[2])];
    if (from !== undefined && to !== undefined) return { kind: 'replace', from, to };
  }
  return { kind: 'expr', tree: shape(a.value) };
}

/** Whether the WHERE clause rejects every row the UPDATE set, when it runs again. */
export function excludesItsOwnRows(where: unknown, assignments: Assignment[]): boolean {
  const written = new Set(assignments.map((a) => a.column));
  const after = new Map<string, After>();
  for (const a of assignments) {
    const value = afterOf(a);
    // An expression that reads a written column, or the clock, is another value on the next run.
    if (value.kind === 'expr' && (reads(a.value, written) || isVolatile(a.value))) continue;
    after.set(a.column, value);
  }
  return conjuncts(where).some((clause) => {
    const t = truth(clause, after);
    return t === false || t === null;
  });
}

function conjuncts(where: unknown): unknown[] {
  const bool = as<{ boolop?: string; args?: unknown[] }>(where, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return where === undefined ? [] : [where];
}

type Truth = boolean | null | undefined;

/** The value of a condition on a row the UPDATE set: true, false, NULL, or undefined (unknown). */
function truth(clause: unknown, after: Map<string, After>): Truth {
  const column = (tree: unknown): After | undefined => (as(tree, 'ColumnRef') ? after.get(columnRefs(tree)[0]?.name ?? '') : undefined);
  const bool = as<{ boolop?: string; args?: unknown[] }>(clause, 'BoolExpr');
  if (bool) {
    const values = (bool.args ?? []).map((a) => truth(a, after));
    if (bool.boolop === 'NOT_EXPR') return values[0] === undefined ? undefined : values[0] === null ? null : !values[0];
    const [win, lose] = bool.boolop === 'AND_EXPR' ? [false, true] : [true, false];
    if (values.includes(win)) return win;
    if (values.includes(undefined)) return undefined;
    return values.includes(null) ? null : lose;
  }
  const test = as<{ arg?: unknown; nulltesttype?: string }>(clause, 'NullTest');
  if (test) {
    const value = column(test.arg);
    const isNull = value?.kind === 'const' ? value.key === 'null' : value?.kind === 'nonnull' ? false : undefined;
    return isNull === undefined ? undefined : test.nulltesttype === 'IS_NULL' ? isNull : !isNull;
  }
  const boolTest = as<{ arg?: unknown; booltesttype?: string }>(clause, 'BooleanTest');
  if (boolTest) {
    const value = column(boolTest.arg);
    if (value?.kind !== 'const') return undefined;
    const v = value.key === 'boolval:true' ? true : value.key === 'boolval:false' || value.key === 'boolval:null' ? false : value.key === 'null' ? null : undefined;
    if (v === undefined) return undefined;
    switch (boolTest.booltesttype) {
      case 'IS_TRUE':
        return v === true;
      case 'IS_NOT_TRUE':
        return v !== true;
      case 'IS_FALSE':
        return v === false;
      case 'IS_NOT_FALSE':
        return v !== false;
      case 'IS_UNKNOWN':
        return v === null;
      default:
        return v !== null;
    }
  }
  const single = column(clause);
  if (single?.kind === 'const') return single.key === 'boolval:true' ? true : single.key === 'null' ? null : single.key.startsWith('boolval') ? false : undefined;
  return comparison(clause, column);
}

function comparison(clause: unknown, column: (tree: unknown) => After | undefined): Truth {
  const expr = as<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(clause, 'A_Expr');
  if (!expr) return undefined;
  const left = column(expr.lexpr);
  const value = left ?? column(expr.rexpr);
  const other = left !== undefined ? expr.rexpr : expr.lexpr;
  if (!value) return undefined;
  const op = str(expr.name?.[0]);
  const otherKey = constKey(other);
  const same = (): boolean | undefined => {
    if (value.kind === 'const' && otherKey !== undefined) return value.key === otherKey;
    if (value.kind === 'expr' && otherKey === undefined) return value.tree === shape(other) ? true : undefined;
    return undefined;
  };
  const nullable = (): Truth => (value.kind === 'const' && value.key === 'null') || otherKey === 'null' ? null : undefined;
  switch (expr.kind) {
    case 'AEXPR_OP':
      if (op === '=' || op === '<>' || op === '!=') {
        if (nullable() === null) return null;
        const eq = same();
        return eq === undefined ? undefined : op === '=' ? eq : !eq;
      }
      return undefined;
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const eq = value.kind === 'const' && otherKey !== undefined ? value.key === otherKey : same();
      return eq === undefined ? undefined : expr.kind === 'AEXPR_DISTINCT' ? !eq : eq;
    }
    case 'AEXPR_IN': {
      if (value.kind !== 'const' || left === undefined) return undefined;
      if (value.key === 'null') return null;
      const list = Array.isArray(other) ? other : (as<{ items?: unknown[] }>(other, 'List')?.items ?? []);
      const keys = list.map(constKey);
      if (keys.some((k) => k === undefined)) return undefined;
      const found = keys.includes(value.key);
      return op === '=' ? found : !found;
    }
    case 'AEXPR_LIKE': {
      const pattern = left !== undefined ? stringConst(other) : undefined;
      if (pattern === undefined) return undefined;
      const matches = like(value, pattern);
      return matches === undefined ? undefined : op === '~~' ? matches : !matches;
    }
  }
  return undefined;
}

/** Whether a value the UPDATE wrote matches a LIKE pattern, when that can be told. */
function like(value: After, pattern: string): boolean | undefined {
  if (value.kind === 'replace') {
    // '%from%': replace() left no `from` behind (see replaceSettles).
    const inner = pattern.startsWith('%') && pattern.endsWith('%') ? pattern.slice(1, -1) : undefined;
    if (inner === undefined || /[%_\\]/.test(inner) || inner !== value.from || value.from === '') return undefined;
    return replaceSettles(value.from, value.to) ? false : undefined;
  }
  if (value.kind !== 'const' || !value.key.startsWith('sval:')) return undefined;
  const text = JSON.parse(value.key.slice(5)) as string;
  const regex = new RegExp(`^${[...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 's');
  return pattern.includes('\\') ? undefined : regex.test(text);
}
