import fc from 'fast-check';
import { holds, type CheckRule, type Op } from './checks.js';
import { distinctKeys } from './keys.js';
import type { Cell, ColumnShape, DataPlan, Shapes, TableData, TableShape, ValueKind } from './types.js';
import { rangeValues, valueArbitrary } from './values.js';

export interface DataOptions {
  /** Most rows a table gets (default 5: a plan stays small, and a failure shrinks fast). */
  rows?: number;
  /** Fewest rows a table gets (default 0, so that a failing case shrinks to the tables that matter). */
  minRows?: number;
  /** Generate rows only for these indexes of Shapes.tables (the others get none): populate's top-up rounds. */
  only?: ReadonlySet<number>;
}

/**
 * Rows for every table of `shapes`, as fast-check generates and shrinks them: row arrays shrink
 * to fewer rows, cells to the first value of their kind or NULL, references to row 0. Pure and
 * deterministic for a seed.
 */
export function dataArbitrary(shapes: Shapes, options: DataOptions = {}): fc.Arbitrary<DataPlan> {
  const rows = Math.max(0, options.rows ?? 5);
  const minRows = Math.min(rows, Math.max(0, options.minRows ?? 0));
  const tables = shapes.tables.map((table, index) =>
    options.only && !options.only.has(index)
      ? fc.constant<TableData>({ schema: table.schema, name: table.name, columns: table.columns.filter((c) => c.written).map((c) => c.name), rows: [] })
      : tableArbitrary(table, index, rows, minRows));
  return fc.tuple(...tables).map((data) => ({ tables: data }));
}

/** A cell that repeats an earlier row's value of its column (row `echo` modulo the rows before), or is `value` in the first row. */
interface Echo {
  echo: number;
  value: Cell;
}
type Draft = Cell | Echo;
const isEcho = (d: Draft): d is Echo => d !== null && typeof d === 'object' && 'echo' in d;

/** The cells of a row that are generated together: one column, or every column of one foreign key. */
interface Part {
  columns: number[];
  /** One cell per column; a part of one column gives its cell alone, saving a layer per cell. */
  arbitrary: fc.Arbitrary<Draft[] | Draft>;
}

function tableArbitrary(table: TableShape, index: number, rows: number, minRows: number): fc.Arbitrary<TableData> {
  const written = table.columns.filter((c) => c.written);
  const position = new Map(written.map((c, i) => [c.name, i]));
  const claimed = new Set<number>();
  const parts: Part[] = [];
  // Live references first: a column in two keys takes the first live one's reference.
  const keys = [...table.foreignKeys].sort((a, b) => Number(Boolean(a.alwaysNull)) - Number(Boolean(b.alwaysNull)));
  for (const fk of keys) {
    const columns = fk.columns.map((c) => position.get(c)).filter((i): i is number => i !== undefined && !claimed.has(i));
    if (columns.length === 0) continue;
    for (const i of columns) claimed.add(i);
    if (fk.alwaysNull || fk.parent < 0) {
      parts.push({ columns, arbitrary: fc.constant(columns.map(() => null)) });
      continue;
    }
    const ref = fc.nat({ max: Math.max(0, rows - 1) }).map((row) => ({ parent: fk.parent, row }));
    // A self-reference may only point to a row inserted before: NULL is its natural first value.
    const cell = fk.nullable ? fc.option(ref, { nil: null, freq: fk.parent === index ? 2 : 5 }) : ref;
    parts.push({ columns, arbitrary: cell.map((c) => columns.map(() => c)) });
  }
  // Repeated values are what a unique index added later trips on: a column that no key alone
  // makes unique repeats an earlier row's value in about two cells in five.
  const unique = new Set(table.keys.filter((k) => k.length === 1).map((k) => k[0]!));
  written.forEach((column, i) => {
    if (claimed.has(i)) return;
    const drafts = columnArbitrary(column, table.checks, unique.has(column.name) ? 0 : rows);
    parts.push({ columns: [i], arbitrary: drafts });
  });
  const row = fc.tuple(...parts.map((p) => p.arbitrary)).map((cells) => {
    const out: Draft[] = new Array(written.length).fill(null);
    parts.forEach((part, p) => {
      if (part.columns.length === 1 && !Array.isArray(cells[p])) out[part.columns[0]!] = cells[p] as Draft;
      else part.columns.forEach((column, k) => (out[column] = (cells[p] as Draft[])[k]!));
    });
    return out;
  });
  const names = written.map((c) => c.name);
  const orders = orderedPairs(written, table.checks);
  return fc.array(row, { minLength: minRows, maxLength: rows }).map((drafts) => {
    const generated: Cell[][] = [];
    drafts.forEach((draft, r) => {
      const cells = draft.map((d, c) => (!isEcho(d) ? d : r === 0 ? d.value : generated[d.echo % r]![c]!));
      generated.push(ordered(cells, orders));
    });
    return { schema: table.schema, name: table.name, columns: names, rows: distinctKeys(generated, written, table.keys) };
  });
}

/** A column's values: its CHECK's choices where it lists them, bounds kept, NULL where allowed. */
function columnArbitrary(column: ColumnShape, checks: CheckRule[], echo: number): fc.Arbitrary<Draft> {
  const kind = column.value!;
  const choices = checks.find((r): r is Extract<CheckRule, { kind: 'choices' }> => r.kind === 'choices' && r.column === column.name);
  const bounds = checks.filter((r): r is Extract<CheckRule, { kind: 'bound' }> => r.kind === 'bound' && r.column === column.name);
  const ranges = checks.find((r): r is Extract<CheckRule, { kind: 'ranges' }> => r.kind === 'ranges' && r.column === column.name);
  // Columns alike share one arbitrary: building thousands costs more than generating from them.
  const key = JSON.stringify([kind, column.notNull, choices?.values, bounds.map((b) => [b.op, b.value]), ranges?.ranges, echo]);
  let arbitrary = columns.get(key);
  if (!arbitrary) {
    // One choice per cell, not an option around a choice around the values: a wide schema
    // generates tens of thousands of cells, and each layer costs a value and its shrink context.
    // NULL in about one nullable cell in eight, an echo in about one cell in three; the first
    // alternative (NULL, else the kind's simplest values) is what a cell shrinks to.
    const values = (ranges && rangeValues(kind, ranges.ranges)) || cellValues(kind, choices, bounds);
    const alternatives: fc.WeightedArbitrary<Draft>[] = [];
    if (!column.notNull) alternatives.push({ arbitrary: fc.constant(null), weight: 3 });
    alternatives.push({ arbitrary: values, weight: 12 });
    if (echo >= 2) alternatives.push({ arbitrary: fc.tuple(fc.nat({ max: echo - 1 }), values).map(([e, value]) => ({ echo: e, value })), weight: column.notNull ? 8 : 9 });
    arbitrary = fc.oneof({ withCrossShrink: true }, ...alternatives);
    columns.set(key, arbitrary);
  }
  return arbitrary;
}

const columns = new Map<string, fc.Arbitrary<Draft>>();

function cellValues(kind: ValueKind, choices: { values: string[] } | undefined, bounds: { op: Op; value: number }[]): fc.Arbitrary<string> {
  let values: fc.Arbitrary<string> = choices ? fc.constantFrom(...choices.values) : valueArbitrary(kind);
  if (!choices && bounds.length > 0 && numeric(kind)) {
    const inside = boundary(bounds, kind);
    if (inside !== undefined) values = values.map((v) => (bounds.every((b) => holds(Number(v), b.op, b.value)) ? v : inside));
  }
  return values;
}

const numeric = (kind: ValueKind): boolean => kind.kind === 'int' || kind.kind === 'numeric' || kind.kind === 'float';

/** A value inside every bound, for the values that fall outside: the boundary itself, which is worth testing. */
function boundary(bounds: { op: Op; value: number }[], kind: ValueKind): string | undefined {
  const step = kind.kind === 'int' ? 1 : kind.kind === 'numeric' && kind.scale !== undefined && kind.scale > 0 ? 10 ** -kind.scale : 1;
  const lower = Math.max(...bounds.map((b) => (b.op === '>=' ? b.value : b.op === '>' ? b.value + step : -Infinity)));
  const upper = Math.min(...bounds.map((b) => (b.op === '<=' ? b.value : b.op === '<' ? b.value - step : Infinity)));
  const x = Number.isFinite(lower) ? (kind.kind === 'int' ? Math.ceil(lower) : lower) : kind.kind === 'int' ? Math.floor(upper) : upper;
  if (!Number.isFinite(x) || x > upper || x < lower) return undefined;
  return kind.kind === 'numeric' && kind.scale !== undefined && kind.scale > 0 ? x.toFixed(kind.scale) : String(x);
}

interface OrderedPair {
  l: number;
  r: number;
  op: Op;
  kind: ValueKind;
}

/** The column pairs a CHECK orders, by position among the written columns, both of one kind. */
function orderedPairs(columns: ColumnShape[], checks: CheckRule[]): OrderedPair[] {
  return checks.flatMap((rule) => {
    if (rule.kind !== 'order') return [];
    const l = columns.findIndex((c) => c.name === rule.left);
    const r = columns.findIndex((c) => c.name === rule.right);
    const kind = columns[l]?.value;
    return l >= 0 && r >= 0 && kind && kind.kind === columns[r]!.value?.kind ? [{ l, r, op: rule.op, kind }] : [];
  });
}

/** Two columns a CHECK orders (`valid_to >= valid_from`): swapped when the row has them the wrong way round. */
function ordered(row: Cell[], pairs: OrderedPair[]): Cell[] {
  for (const { l, r, op, kind } of pairs) {
    const a = row[l];
    const b = row[r];
    if (typeof a !== 'string' || typeof b !== 'string') continue;
    const cmp = compare(a, b, kind);
    if (!holds(cmp, op, 0) && holds(-cmp, op, 0)) {
      row[l] = b;
      row[r] = a;
    }
  }
  return row;
}

function compare(a: string, b: string, kind: ValueKind): number {
  if (numeric(kind)) return Math.sign(Number(a) - Number(b));
  return a < b ? -1 : a > b ? 1 : 0;
}
