import type pg from 'pg';
import { doBlockWriteOffset } from '../migrations/do-block.js';
import { placeAt } from '../migrations/locate.js';
import type { Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { execStatements } from '../runners/execute.js';
import type { Block } from '../runners/types.js';
import { quoteIdent } from '../snapshot/data.js';
import type { DataFingerprint } from '../snapshot/types.js';
import type { State, States } from './states.js';

/**
 * Which statement of a second run wrote a data difference, found by running that run again.
 *
 * No reading of the files can tell which of the statements naming a table changed its rows on
 * the second run (an INSERT … ON CONFLICT DO NOTHING names it and writes nothing; an UPDATE in a
 * DO block writes). So on a copy of the first run's state the second run is repeated block by
 * block, fingerprinting the differing tables after each, which narrows each difference to a range of
 * blocks; then, on a second copy, the statements of that range one at a time. The writer is the
 * statement after which a table last left the value the first run gave it: an earlier excursion
 * that came back is not it.
 *
 * Cost, paid only when `twice` found a data difference: two copies of the first state, about two
 * more second runs, and a fingerprint of the differing tables after every block and after every
 * statement of the range (usually the one block that wrote the difference).
 */

/** Who wrote one table's difference. */
export interface Writer {
  statement: Statement;
  /** For a DO block whose body has one statement that writes the table: that statement's place. */
  inBody?: { line: number; column: number };
}

type Fingerprints = Record<string, DataFingerprint>;

/** The writer of each of `tables` (qualified names) that a second run from `first` changes. */
export async function writersOf(states: States, first: State, tables: string[]): Promise<Map<string, Writer>> {
  const writers = new Map<string, Writer>();
  const { ranges, ran } = await writingRanges(states, first, tables);
  if (ranges.size === 0) return writers;
  const from = Math.min(...[...ranges.values()].map((r) => r.from));
  const to = Math.max(...[...ranges.values()].map((r) => r.to));
  const only = states.plan.blocks[from]!;
  const found =
    from === to && only.statements.length === 1
      ? new Map([...ranges.keys()].map((table) => [table, only.statements[0]!]))
      : await writingStatements(states, first, states.plan.blocks.slice(from, to + 1).filter((b) => ran.has(b.index)), [...ranges.keys()]);
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
 * For each table, the blocks of the second run its writer is in: from the last block boundary at
 * which the table still had its first-run value, to the last block that changed it. Repeated
 * block by block, a table that comes back to that value inside a block goes unseen, so the
 * statements of the whole range are looked at next.
 */
async function writingRanges(
  states: States,
  first: State,
  tables: string[],
): Promise<{ ranges: Map<string, { from: number; to: number }>; ran: Set<number> }> {
  const from = new Map<string, number>(tables.map((t) => [t, 0]));
  const to = new Map<string, number>();
  // A tool with a tracker skips what it recorded: only the blocks it ran can have written.
  const ran = new Set<number>();
  const db = await states.copy(first);
  try {
    const reference = await fingerprints(db, tables);
    let previous = reference;
    for (const block of states.plan.blocks) {
      const trace = await states.run(db, { from: block.index, until: block.index + 1 });
      // The second run succeeded; a replay that does not is not that run, and tells nothing.
      if (!trace.ok) return { ranges: new Map(), ran };
      if (trace.blocks.length > 0) ran.add(block.index);
      const now = await fingerprints(db, tables);
      for (const table of tables) {
        if (same(now, reference, table)) from.set(table, block.index + 1);
        if (!same(now, previous, table)) to.set(table, block.index);
      }
      previous = now;
    }
    const ranges = new Map<string, { from: number; to: number }>();
    // Only a table that ends away from its first-run value has a writer.
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
 * The statement after which each table last left its first-run value: the second run up to the
 * first of `blocks`, then their statements one at a time on one connection (its own transaction
 * state included, so a file's BEGIN … COMMIT holds), fingerprinted after each.
 */
async function writingStatements(states: States, first: State, blocks: Block[], tables: string[]): Promise<Map<string, Statement>> {
  const found = new Map<string, Statement>();
  const start = blocks[0]?.index;
  if (start === undefined) return found;
  const db = await states.copy(first);
  try {
    const reference = await fingerprints(db, tables);
    if (start > 0 && !(await states.run(db, { until: start })).ok) return found;
    const client = await db.connect();
    try {
      let previous = await fingerprintsOn(client, tables);
      for (const block of blocks) {
        for (const statement of block.statements) {
          // Sent as its own text: the run went through a moment ago, so a failure here means the
          // tool sends it some other way, and the statement level tells nothing.
          if ((await execStatements(client, [statement])).error) return new Map();
          const now = await fingerprintsOn(client, tables);
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

async function fingerprints(db: DatabaseHandle, tables: string[]): Promise<Fingerprints> {
  const client = await db.connect();
  try {
    return await fingerprintsOn(client, tables);
  } finally {
    await client.end();
  }
}

/**
 * Row count and an order-independent hash of each of `tables` that exists, as the data
 * fingerprint of a snapshot makes them (ONLY the table's own rows, unless partitioned), but of
 * these tables alone: this runs after every statement.
 */
async function fingerprintsOn(client: pg.Client, tables: string[]): Promise<Fingerprints> {
  const names = tables.map(splitName);
  const found = await client.query<{ i: number; relkind: string }>(
    `SELECT t.i::int AS i, c.relkind::text AS relkind
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(schema, name, i)
       JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name AND c.relkind IN ('r', 'p')`,
    [names.map((n) => n[0]), names.map((n) => n[1])],
  );
  if (found.rows.length === 0) return {};
  const sql = found.rows
    .map(({ i, relkind }) => {
      const [schema, name] = names[i - 1]!;
      return `SELECT ${i} AS i, count(*) AS rows,
  pg_catalog.md5(coalesce(pg_catalog.string_agg(h, '' ORDER BY h COLLATE "C"), '')) AS hash
FROM (SELECT pg_catalog.md5(pg_catalog.to_jsonb(r.*)::text) AS h
      FROM ${relkind === 'p' ? '' : 'ONLY '}${quoteIdent(schema)}.${quoteIdent(name)} r) x`;
    })
    .join('\nUNION ALL\n');
  const result = await client.query<{ i: number; rows: string; hash: string }>(sql);
  const out: Fingerprints = {};
  for (const row of result.rows) out[tables[row.i - 1]!] = { hash: row.hash, rows: Number(row.rows) };
  return out;
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
