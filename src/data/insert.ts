import type pg from 'pg';
import { ident, insertSql, literal } from './sql.js';
import type { Cell, DataPlan, ForeignKeyShape, Inserted, Ref, Shapes, TableData, TableShape } from './types.js';

/**
 * What the parents really got: per table index, the values (as text) of its referenced columns
 * for each row the server kept, in Shapes.tables[i].referenced order. Kept across rounds.
 */
export type ParentKeys = Map<number, (string | null)[][]>;

export interface InsertOptions {
  /** Open and commit a transaction of its own (default); false: the caller's transaction block. */
  transaction?: boolean;
  /** Parent keys from earlier rounds, extended in place. */
  keys?: ParentKeys;
}

const SAVEPOINT = 'migtest_populate';

/**
 * Inserts a plan with ordinary INSERTs (triggers fire), parents first, references resolved to
 * the keys the parents really got (RETURNING). Only rows the server accepts stay: each table's
 * rows go in as one INSERT, and when the server refuses it (a CHECK, a unique collision with rows
 * the migrations seeded, a trigger), one row at a time, each under a savepoint, so that a refusal
 * never leaves the transaction aborted. A table with a self-reference always goes row by row:
 * a row may point only to rows inserted before it.
 */
export async function insertData(client: pg.ClientBase, shapes: Shapes, plan: DataPlan, options: InsertOptions = {}): Promise<Inserted[]> {
  const own = options.transaction !== false;
  const keys = options.keys ?? new Map<number, (string | null)[][]>();
  if (own) await client.query('BEGIN');
  try {
    const out: Inserted[] = [];
    for (let i = 0; i < shapes.tables.length; i++) {
      const data = plan.tables[i];
      if (data && data.rows.length > 0) await readExisting(client, shapes, i, keys);
      out.push(data ? await insertTable(client, shapes, i, data, keys) : { table: name(shapes.tables[i]!), rows: 0, wanted: 0, sent: [], accepted: [] });
    }
    if (own) await client.query('COMMIT');
    return out;
  } catch (error) {
    if (own) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const name = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/** A row ready to send (its literals), or why it cannot be. */
type Resolved = { values: (string | null)[] } | { missing: string };

async function insertTable(client: pg.ClientBase, shapes: Shapes, index: number, data: TableData, keys: ParentKeys): Promise<Inserted> {
  const table = shapes.tables[index]!;
  const result: Inserted = { table: name(table), rows: 0, wanted: data.rows.length, sent: data.rows.map(() => null), accepted: data.rows.map(() => false), keys: data.rows.map(() => null) };
  if (data.rows.length === 0) return result;
  const own = keys.get(index) ?? [];
  keys.set(index, own);
  const note = (reason: string): void => {
    result.reason ??= reason;
  };
  const keep = (r: number, returned: Record<string, string | null> | undefined): void => {
    result.accepted[r] = true;
    result.rows++;
    if (table.referenced.length > 0 && returned) {
      const got = table.referenced.map((_, k) => returned[`k${k}`] ?? null);
      own.push(got);
      result.keys![r] = got;
    }
  };
  const selfReferencing = table.foreignKeys.some((fk) => fk.parent === index && !fk.alwaysNull);
  const [before, after] = roles(shapes, table);
  const send = (rows: (string | null)[][]): Promise<pg.QueryResult> =>
    client.query(`SAVEPOINT ${SAVEPOINT}; ${before}${insertSql(table, data.columns, rows.map((r) => r.map(literal)), table.referenced)};${after} RELEASE SAVEPOINT ${SAVEPOINT}`);
  const inserted = (results: pg.QueryResult | pg.QueryResult[]): pg.QueryResult =>
    (Array.isArray(results) ? results : [results]).find((r) => r.command === 'INSERT')!;

  if (!selfReferencing && data.columns.length > 0) {
    const ready = data.rows.map((row) => resolve(shapes, index, data, row, keys));
    const sendable = ready.flatMap((r, i) => ('values' in r ? [i] : []));
    ready.forEach((r, i) => ('missing' in r ? note(r.missing) : (result.sent[i] = r.values)));
    if (sendable.length === 0) return result;
    try {
      const done = inserted(await send(sendable.map((i) => result.sent[i]!)));
      // A BEFORE trigger may skip rows (RETURN NULL): RETURNING then lists fewer, in order.
      if (done.rowCount !== sendable.length) note(`a trigger skipped ${sendable.length - (done.rowCount ?? 0)} row(s)`);
      sendable.slice(0, done.rowCount ?? 0).forEach((r, k) => keep(r, done.rows[k]));
      return result;
    } catch (error) {
      await undo(client, error);
    }
  }
  // One row at a time: a refused row costs only itself.
  for (let r = 0; r < data.rows.length; r++) {
    const ready = resolve(shapes, index, data, data.rows[r]!, keys);
    if ('missing' in ready) {
      note(ready.missing);
      result.sent[r] = null;
      continue;
    }
    result.sent[r] = ready.values;
    try {
      const done = inserted(await send([ready.values]));
      if (done.rowCount === 1) keep(r, done.rows[0]);
      else note('a trigger skipped the row');
    } catch (error) {
      note(await undo(client, error));
    }
  }
  return result;
}

/**
 * A parent that got no generated row may still hold rows the migrations seeded (a lookup table
 * of statuses, say): its children then point to those, in key order, rather than being dropped.
 * Read once per parent, only when it is needed.
 */
async function readExisting(client: pg.ClientBase, shapes: Shapes, index: number, keys: ParentKeys): Promise<void> {
  for (const fk of shapes.tables[index]!.foreignKeys) {
    if (fk.alwaysNull || fk.parent < 0 || fk.parent === index || (keys.get(fk.parent)?.length ?? 0) > 0) continue;
    const parent = shapes.tables[fk.parent]!;
    const columns = parent.referenced.map((c, k) => `${ident(c)}::text AS k${k}`).join(', ');
    const seeded = await client.query(`SELECT ${columns} FROM ${ident(parent.schema)}.${ident(parent.name)} ORDER BY ${parent.referenced.map((_, k) => k + 1).join(', ')} LIMIT 1000`);
    keys.set(fk.parent, seeded.rows.map((row) => parent.referenced.map((_, k) => row[`k${k}`] ?? null)));
  }
}

/** Back to the savepoint after a refusal; an error that is not the server's refusal is thrown. */
async function undo(client: pg.ClientBase, error: unknown): Promise<string> {
  const e = error as { code?: string; message?: string };
  if (typeof e.code !== 'string') throw error;
  await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}; RELEASE SAVEPOINT ${SAVEPOINT}`);
  return `${e.code} ${e.message ?? ''}`.trim();
}

/**
 * The generator writes as each table's owner: row-level security binds every role but
 * superusers, BYPASSRLS roles and (unless forced) the owner, and the owner holds every privilege
 * on its table. A superuser writes as itself (the embedded server's user is one); another role
 * switches to the owner where it is a member of it, and stays itself otherwise (a refusal then
 * names the missing privilege or policy). SET LOCAL is undone by the savepoint on a refusal.
 */
function roles(shapes: Shapes, table: TableShape): [string, string] {
  if (shapes.superuser || table.owner === shapes.user || !table.ownerMember) return ['', ''];
  return [`SET LOCAL ROLE ${ident(table.owner)}; `, ` SET LOCAL ROLE ${ident(shapes.user)};`];
}

/** The foreign key a reference cell belongs to: the live key over that column to that parent. */
function keyOf(table: TableShape, column: string, ref: Ref): ForeignKeyShape | undefined {
  return table.foreignKeys.find((fk) => !fk.alwaysNull && fk.parent === ref.parent && fk.columns.includes(column));
}

function resolve(shapes: Shapes, index: number, data: TableData, row: Cell[], keys: ParentKeys): Resolved {
  const table = shapes.tables[index]!;
  const values: (string | null)[] = [];
  for (let c = 0; c < row.length; c++) {
    const cell = row[c]!;
    if (cell === null || typeof cell === 'string') {
      values.push(cell);
      continue;
    }
    const column = data.columns[c]!;
    const fk = keyOf(table, column, cell);
    const parent = shapes.tables[cell.parent];
    const got = keys.get(cell.parent) ?? [];
    if (!fk || !parent) {
      values.push(null);
      continue;
    }
    if (got.length === 0) {
      if (fk.nullable) values.push(null);
      else return { missing: `no row of ${name(parent)} to reference (foreign key ${fk.name})` };
      continue;
    }
    const pick = got[cell.row % got.length]!;
    values.push(pick[parent.referenced.indexOf(fk.parentColumns[fk.columns.indexOf(column)]!)] ?? null);
  }
  return { values };
}

export { insertStatements } from './statements.js';
