import type pg from 'pg';
import { doBlockWriteOffset } from '../migrations/do-block.js';
import { placeAt } from '../migrations/locate.js';
import type { Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { execStatements } from '../runners/execute.js';
import type { Block } from '../runners/types.js';
import { fingerprintSql, type Relaxation } from '../snapshot/relaxed.js';
import type { DataFingerprint } from '../snapshot/types.js';
import type { States } from './states.js';

/**
 * Which statement of a run wrote a data difference, found by running that run again.
 *
 * No reading of the files can tell which of the statements naming a table changed its rows on
 * a run that starts from a state where the set had run before (after a whole first run for
 * `twice`, after a fault or a crash for a recovery): an INSERT … ON CONFLICT DO NOTHING names it
 * and writes nothing, an UPDATE in a DO block writes. So on a copy of the state the run starts
 * from, it is repeated block by block, fingerprinting the differing tables after each, which
 * narrows each difference to a range of blocks; then, on a second copy, the statements of that
 * range one at a time. The writer is the statement after which a table last left the value it had
 * when the run started: an earlier excursion that came back is not it, and a table the run never
 * moves has no writer in it (what differs was there before).
 *
 * Cost, paid only for a reported data difference: two copies of the starting state, about two
 * more runs, and a fingerprint of the differing tables after every block and after every
 * statement of the range (usually the one block that wrote the difference).
 */

/** Who wrote one table's difference. */
export interface Writer {
  statement: Statement;
  /** For a DO block whose body has one statement that writes the table: that statement's place. */
  inBody?: { line: number; column: number };
}

type Fingerprints = Record<string, DataFingerprint>;

/** Where the run starts, and how its tables are compared. */
export interface RunOrigin {
  /** A new scratch copy of the state the run starts from (given back with `states.drop`). */
  copy(): Promise<DatabaseHandle>;
  /**
   * Compare rows as the finding did: a recovery compares without the values PostgreSQL makes anew
   * (an upsert that stamps now() again moves nothing), `twice` exactly (absent).
   */
  relaxation?: Relaxation;
}

/** The writer of each of `tables` (qualified names) that a run from `origin` changes. */
export async function writersOf(states: States, origin: RunOrigin, tables: string[]): Promise<Map<string, Writer>> {
  const writers = new Map<string, Writer>();
  const { ranges, ran } = await writingRanges(states, origin, tables);
  if (ranges.size === 0) return writers;
  const from = Math.min(...[...ranges.values()].map((r) => r.from));
  const to = Math.max(...[...ranges.values()].map((r) => r.to));
  const only = states.plan.blocks[from]!;
  const found =
    from === to && only.statements.length === 1
      ? new Map([...ranges.keys()].map((table) => [table, only.statements[0]!]))
      : await writingStatements(states, origin, states.plan.blocks.slice(from, to + 1).filter((b) => ran.has(b.index)), [...ranges.keys()]);
  for (const [table, statement] of found) {
    const block = states.plan.blocks.find((b) => b.statements.includes(statement))!;
    const [schema = '', name = ''] = splitName(table);
    const offset = statement.kind === 'DoStmt' ? doBlockWriteOffset(statement, { schema, name }) : undefined;
    const source = block.migrations.find((m) => m.up.statements.includes(statement))?.up;
    const text = source ? { text: source.text, ...(source.substitutions ? { substitutions: source.substitutions } : {}) } : {};
    writers.set(table, { statement, ...(offset !== undefined ? { inBody: placeAt(statement, statement.offset + offset, text) } : {}) });
  }
  return writers;
}

/**
 * For each table, the blocks of the run its writer is in: from the last block boundary at which
 * the table still had its starting value, to the last block that changed it. Repeated block by
 * block, a table that comes back to that value inside a block goes unseen, so the statements of
 * the whole range are looked at next.
 */
async function writingRanges(
  states: States,
  origin: RunOrigin,
  tables: string[],
): Promise<{ ranges: Map<string, { from: number; to: number }>; ran: Set<number> }> {
  const from = new Map<string, number>(tables.map((t) => [t, 0]));
  const to = new Map<string, number>();
  // A tool with a tracker skips what it recorded: only the blocks it ran can have written.
  const ran = new Set<number>();
  const db = await origin.copy();
  try {
    const reference = await fingerprints(db, tables, origin.relaxation);
    let previous = reference;
    for (const block of states.plan.blocks) {
      const trace = await states.run(db, { from: block.index, until: block.index + 1 });
      // The run succeeded; a replay that does not is not that run, and tells nothing.
      if (!trace.ok) return { ranges: new Map(), ran };
      if (trace.blocks.length > 0) ran.add(block.index);
      const now = await fingerprints(db, tables, origin.relaxation);
      for (const table of tables) {
        if (same(now, reference, table)) from.set(table, block.index + 1);
        if (!same(now, previous, table)) to.set(table, block.index);
      }
      previous = now;
    }
    const ranges = new Map<string, { from: number; to: number }>();
    // Only a table that ends away from its starting value has a writer.
    for (const table of tables) {
      const last = to.get(table);
      if (!same(previous, reference, table) && last !== undefined) ranges.set(table, { from: from.get(table)!, to: last });
    }
    return { ranges, ran };
  } finally {
    await states.drop(db);
  }
}

/**
 * The statement after which each table last left its starting value: the run up to the first of
 * `blocks`, then their statements one at a time on one connection (its own transaction state
 * included, so a file's BEGIN … COMMIT holds), fingerprinted after each.
 */
async function writingStatements(states: States, origin: RunOrigin, blocks: Block[], tables: string[]): Promise<Map<string, Statement>> {
  const found = new Map<string, Statement>();
  const start = blocks[0]?.index;
  if (start === undefined) return found;
  const db = await origin.copy();
  try {
    const reference = await fingerprints(db, tables, origin.relaxation);
    if (start > 0 && !(await states.run(db, { until: start })).ok) return found;
    const client = await db.connect();
    try {
      let previous = await fingerprintsOn(client, tables, origin.relaxation);
      for (const block of blocks) {
        for (const statement of block.statements) {
          // Sent as its own text: the run went through a moment ago, so a failure here means the
          // tool sends it some other way, and the statement level tells nothing.
          if ((await execStatements(client, [statement])).error) return new Map();
          const now = await fingerprintsOn(client, tables, origin.relaxation);
          for (const table of tables) {
            if (same(previous, reference, table) && !same(now, reference, table)) found.set(table, statement);
          }
          previous = now;
        }
      }
    } finally {
      await client.end();
    }
    return found;
  } finally {
    await states.drop(db);
  }
}

async function fingerprints(db: DatabaseHandle, tables: string[], relaxation: Relaxation | undefined): Promise<Fingerprints> {
  const client = await db.connect();
  try {
    return await fingerprintsOn(client, tables, relaxation);
  } finally {
    await client.end();
  }
}

/**
 * Row count and an order-independent hash of each of `tables` that exists, as the data
 * fingerprint of a comparison makes them (ONLY the table's own rows, unless partitioned; with
 * `relaxation`, made-anew values by shape and sequence values by rank), but of these tables
 * alone: this runs after every statement. A rule's foreign key into a table that does not exist
 * yet is compared exactly: its rank cannot be read.
 */
async function fingerprintsOn(client: pg.Client, tables: string[], relaxation: Relaxation | undefined): Promise<Fingerprints> {
  const names = tables.map(splitName);
  const found = await client.query<{ i: number; relkind: string }>(
    `SELECT t.i::int AS i, c.relkind::text AS relkind
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, i)
       JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind IN ('r', 'p')`,
    [names.map((n) => n[0]), names.map((n) => n[1])],
  );
  if (found.rows.length === 0) return {};
  const rules = relaxation ? await present(client, found.rows.map(({ i }) => tables[i - 1]!), relaxation) : {};
  const sql = found.rows
    .map(({ i, relkind }) => {
      const [schema, name] = names[i - 1]!;
      return fingerprintSql({ schema, name, relkind }, rules[tables[i - 1]!], i);
    })
    .join('\nUNION ALL\n');
  const result = await client.query<{ i: number; rows: string; hash: string }>(sql);
  const out: Fingerprints = {};
  for (const row of result.rows) out[tables[row.i - 1]!] = { hash: row.hash, rows: Number(row.rows) };
  return out;
}

/** The rules of `tables`, less the foreign keys into tables that do not exist on `client`'s database. */
async function present(client: pg.Client, tables: string[], relaxation: Relaxation): Promise<Relaxation> {
  const targets = [...new Set(tables.flatMap((t) => (relaxation[t]?.references ?? []).map((r) => `${r.table.schema}.${r.table.name}`)))];
  const missing = new Set<string>();
  if (targets.length > 0) {
    const parts = targets.map(splitName);
    const result = await client.query<{ i: number }>(
      `SELECT t.i::int AS i
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, i)
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = t.schema AND c.relname = t.name)`,
      [parts.map((p) => p[0]), parts.map((p) => p[1])],
    );
    for (const row of result.rows) missing.add(targets[row.i - 1]!);
  }
  const rules: Relaxation = {};
  for (const table of tables) {
    const rule = relaxation[table];
    if (!rule) continue;
    rules[table] = { ...rule, references: rule.references.filter((r) => !missing.has(`${r.table.schema}.${r.table.name}`)) };
  }
  return rules;
}

/** Whether `table` has the same rows in both (a missing table is a value too). */
function same(a: Fingerprints, b: Fingerprints, table: string): boolean {
  return a[table]?.hash === b[table]?.hash && a[table]?.rows === b[table]?.rows;
}

/** `schema.name` as the fingerprints key tables (neither part is quoted). */
function splitName(table: string): [string, string] {
  const dot = table.indexOf('.');
  return dot < 0 ? ['public', table] : [table.slice(0, dot), table.slice(dot + 1)];
}
