/**
 * The simplest CHECK constraints, read from pg_get_constraintdef, so that generated rows satisfy
 * them more often than chance: a row the server refuses tests nothing. Anything else a CHECK says
 * is left to the server (rows it refuses are dropped). Pure.
 */
export type CheckRule =
  /** column op constant, e.g. `quantity >= 0`; `VALUE` for a domain's own check */
  | { kind: 'bound'; column: string; op: Op; value: number }
  /** `column IN (…)`, rendered by PostgreSQL as `column = ANY (ARRAY[…])` */
  | { kind: 'choices'; column: string; values: string[] }
  /** column op column, e.g. `valid_to >= valid_from` */
  | { kind: 'order'; left: string; op: Op; right: string }
  /** the column lies in one of these `[from, to)` (null: unbounded), e.g. a RANGE partition key (partitions.ts) */
  | { kind: 'ranges'; column: string; ranges: { from: string | null; to: string | null }[] };

export type Op = '<' | '<=' | '>' | '>=';

const IDENT = String.raw`("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*|VALUE)`;
const NUMBER = String.raw`\(?'?(-?\d+(?:\.\d+)?)'?\)?(?:::[a-z ]+(?:\(\d+(?:,\d+)?\))?)?`;
const OP = '(<=|>=|<|>)';
const FLIP: Record<Op, Op> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

const unquote = (name: string): string => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name);

/** The rules one CHECK's definition (`CHECK ((quantity >= 0))`) states, or none. */
export function checkRules(definition: string): CheckRule[] {
  const body = /^CHECK \((.*)\)( NOT VALID)?$/s.exec(definition.trim())?.[1];
  if (body === undefined) return [];
  return conjuncts(strip(body)).flatMap((part) => {
    // `(x IS NULL) OR (rule)`: the rule binds whenever x has a value, which is when it matters.
    const guarded = new RegExp(String.raw`^\(${IDENT} IS NULL\) OR (.*)$`, 's').exec(part);
    return rule(strip(guarded ? guarded[2]! : part));
  });
}

function rule(text: string): CheckRule[] {
  let m = new RegExp(`^${IDENT} ${OP} ${NUMBER}$`).exec(text);
  if (m) return [{ kind: 'bound', column: unquote(m[1]!), op: m[2] as Op, value: Number(m[3]) }];
  m = new RegExp(`^${NUMBER} ${OP} ${IDENT}$`).exec(text);
  if (m) return [{ kind: 'bound', column: unquote(m[3]!), op: FLIP[m[2] as Op], value: Number(m[1]) }];
  m = new RegExp(`^${IDENT} ${OP} ${IDENT}$`).exec(text);
  if (m) return [{ kind: 'order', left: unquote(m[1]!), op: m[2] as Op, right: unquote(m[3]!) }];
  m = new RegExp(String.raw`^\(?${IDENT}\)?(?:::[a-z ]+)? = ANY \(\(?ARRAY\[(.*)\]\)?(?:::[a-z ]+\[\])?\)$`, 's').exec(text);
  if (m) {
    const values = [...m[2]!.matchAll(/'((?:[^']|'')*)'(?:::[a-z ]+)?/g)].map((v) => v[1]!.replace(/''/g, "'"));
    if (values.length > 0) return [{ kind: 'choices', column: unquote(m[1]!), values }];
  }
  return [];
}

/** Drops the parentheses around a whole expression. */
function strip(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && closes(t) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

/** Where the parenthesis opened at 0 closes, outside string literals. */
function closes(t: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The parts of `a AND b AND c` at the top level. */
function conjuncts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(strip(text.slice(start, i)));
      start = i + 5;
    }
  }
  parts.push(strip(text.slice(start)));
  return parts;
}

/** Does a number satisfy `op value`? */
export function holds(x: number, op: Op, value: number): boolean {
  return op === '<' ? x < value : op === '<=' ? x <= value : op === '>' ? x > value : x >= value;
}
