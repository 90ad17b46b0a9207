import { createHash } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { cigogneCreatedAt, cigogneName, disablesTransaction } from './format.js';
import { InputError, type Migration, type MigrationSet, type Statement } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn, type Faults } from '../../faults/inject.js';
import { runInTxn, runNoTxn, toPgError } from '../execute.js';
import { quiet, runBlocks, runWithRetries } from '../sequence.js';
import { downRunsAgain, downStatementsBlock, stepDown } from './down.js';
import type { Block, BlockTrace, Plan, RunOptions, RunnerModel, RunnerOptions, Trace } from '../types.js';

const SCHEMA = 'public';
const TABLE = '_migrations';

/**
 * cigogne's own tracker table, as its "zero migration" creates it. The columns are written
 * without quotes, so PostgreSQL folds them: `createdat`, `appliedat`.
 */
const CREATE_TRACKER = `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${TABLE}(
    id INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    name VARCHAR(255) NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    createdAt TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    appliedAt TIMESTAMP NOT NULL DEFAULT NOW()
);`;

const INSERT_MIGRATION = `INSERT INTO ${SCHEMA}.${TABLE}(createdAt, name, sha256) VALUES ($1, $2, $3);`;

/** The zero migration records itself with the epoch as its timestamp. */
const ZERO = { name: 'CreateMigrationTable', createdAt: '1970-01-01 00:00:00', stamp: '19700101000000' };

/** cigogne hashes with Gleam's bit_array.base16_encode: upper-case hex. */
function sha256Of(migration: Migration): string {
  return migration.checksum.toUpperCase();
}

const OPTIONS: Record<string, string> = {
  'no-hash-check': 'true: do not compare the sha256 of applied files with the tracker (cigogne no_hash_check); default false',
};

/**
 * cigogne (Gleam): all pending transactional migrations run in ONE transaction, statement by
 * statement through the prepared-statement protocol, with their tracker rows inserted before the
 * COMMIT; a `disable_transaction` migration runs alone, its single statement and then its tracker
 * row each autocommitting.
 */
export const cigogne: RunnerModel<CigognePlan> = {
  name: 'cigogne',
  format: 'cigogne',
  summary: 'cigogne: all pending transactional migrations in one transaction; disable_transaction ones alone; _migrations with sha256',
  tracker: { schema: SCHEMA, table: TABLE, volatile: ['id', 'appliedat'] },
  options: OPTIONS,

  plan(set: MigrationSet, options: RunnerOptions = {}): CigognePlan {
    return { runner: 'cigogne', set, blocks: chunks(set.migrations), ...settings(options) };
  },

  run(plan: CigognePlan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    // cigogne has no retries: a policy is a supervisor running cigogne again.
    return runWithRetries(options, (once) => runOnce(plan, db, once));
  },

  down: { command: 'cigogne down', step: stepDown, block: downStatementsBlock, runsAgain: downRunsAgain },
};

/** cigogne's plan: its blocks, and whether runs compare the hashes of applied files. */
interface CigognePlan extends Plan {
  hashCheck: boolean;
}

/** One run of cigogne's migrate-up: every pending migration, the transactional ones in one transaction. */
async function runOnce(plan: CigognePlan, db: DatabaseHandle, options: RunOptions): Promise<Trace> {
  const { set, hashCheck, blocks: planned } = plan;
  const client = quiet(await db.connect());
  try {
    await ensureTracker(client);
    const applied = await appliedRows(client);
    const refusal = matchApplied(set, applied, hashCheck);
    if (refusal) return { blocks: [], ok: false, refusal };

    const done = new Set(applied.map((row) => `${row.stamp}-${row.name}`));
    const pending = set.migrations.filter((m) => !done.has(`${m.id}-${cigogneName(m)}`));
    const blocks = numbered(chunks(pending), planned);
    return await runBlocks(db, blocks, options, (c, block) => runChunk(c, block, faultsIn(options.faults, block.index)), client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function settings(options: RunnerOptions): { hashCheck: boolean } {
  for (const [name, value] of Object.entries(options)) {
    if (!(name in OPTIONS)) {
      throw new InputError(
        `unknown runner option '${name}' for cigogne`,
        undefined,
        undefined,
        undefined,
        `cigogne takes: ${Object.entries(OPTIONS).map(([n, d]) => `${n} (${d})`).join('; ')}`,
      );
    }
    if (value !== 'true' && value !== 'false') {
      throw new InputError(`runner option ${name} takes true or false, not '${value}'`, undefined, undefined, undefined, `--runner-option ${name}=true`);
    }
  }
  return { hashCheck: options['no-hash-check'] !== 'true' };
}

/**
 * Blocks as cigogne forms them: consecutive transactional migrations share one transaction, and
 * a disable_transaction migration runs alone and splits them.
 */
export function chunks(migrations: Migration[]): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  for (const migration of migrations) {
    if (disablesTransaction(migration)) {
      open = undefined;
      blocks.push({ index: blocks.length, rule: 'no-txn', migrations: [migration], statements: [...migration.up.statements] });
      continue;
    }
    if (!open) {
      open = { index: blocks.length, rule: 'in-txn', migrations: [], statements: [] };
      blocks.push(open);
    }
    open.migrations.push(migration);
    open.statements.push(...migration.up.statements);
  }
  return blocks;
}

/**
 * The pending work of a run that did not start from an empty database gets the index its first
 * migration has in the static plan, so that `from`, `until` and faults name the same blocks.
 */
function numbered(blocks: Block[], planned: Block[]): Block[] {
  return blocks.map((block) => {
    const first = block.migrations[0];
    const home = planned.find((p) => p.migrations.includes(first!));
    return home ? { ...block, index: home.index } : block;
  });
}

function runChunk(client: pg.Client, block: Block, fault: Faults): Promise<BlockTrace> {
  if (block.rule === 'in-txn') {
    return runInTxn(client, block, fault, {
      send: prepared,
      beforeCommit: async (c) => {
        for (const migration of block.migrations) await record(c, migration);
      },
    });
  }
  return runAlone(client, block, fault);
}

/** A disable_transaction migration: its statement autocommits, then its tracker row does. */
async function runAlone(client: pg.Client, block: Block, fault: Faults): Promise<BlockTrace> {
  const trace = await runNoTxn(client, block, fault, prepared);
  if (trace.error) return trace;
  try {
    await record(client, block.migrations[0]!);
  } catch (error) {
    // The statement stays committed: applied but unrecorded, as with the real tool.
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}

/** cigogne's driver (pog) sends every query through the extended protocol. */
function prepared(client: pg.Client, statement: Statement): Promise<unknown> {
  return client.query({ text: statement.sql, queryMode: 'extended' } as pg.QueryConfig);
}

async function record(client: pg.Client, migration: Migration): Promise<void> {
  await client.query(INSERT_MIGRATION, [cigogneCreatedAt(migration), cigogneName(migration), sha256Of(migration)]);
}

/** The zero migration: the tracker table and its own row, in one transaction, if the table is missing. */
async function ensureTracker(client: pg.Client): Promise<void> {
  const exists = await client.query(
    `SELECT table_name, table_schema FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_name = $1 AND table_schema = $2`,
    [TABLE, SCHEMA],
  );
  if (exists.rowCount) return;
  const zeroHash = createHash('sha256').update(CREATE_TRACKER).digest('hex').toUpperCase();
  await client.query('BEGIN');
  try {
    await client.query(CREATE_TRACKER);
    await client.query(INSERT_MIGRATION, [ZERO.createdAt, ZERO.name, zeroHash]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

interface AppliedRow {
  stamp: string;
  name: string;
  sha256: string;
}

async function appliedRows(client: pg.Client): Promise<AppliedRow[]> {
  // The timestamp as text: node-postgres would read a timestamp without time zone as local time.
  const result = await client.query<AppliedRow>(
    `SELECT to_char(createdAt, 'YYYYMMDDHH24MISS') AS stamp, name, sha256 FROM ${SCHEMA}.${TABLE} ORDER BY appliedAt ASC`,
  );
  return result.rows;
}

/**
 * cigogne matches every applied migration with its file before it runs anything, and refuses
 * (CompoundError) if a file is missing or its sha256 changed.
 */
function matchApplied(set: MigrationSet, applied: AppliedRow[], hashCheck: boolean): Trace['refusal'] {
  const errors: string[] = [];
  const details: string[] = [];
  const actions: string[] = [];
  for (const row of applied) {
    if (row.stamp === ZERO.stamp) continue;
    const fullname = `${row.stamp}-${row.name}`;
    const migration = set.migrations.find((m) => m.id === row.stamp && cigogneName(m) === row.name);
    if (!migration) {
      errors.push(`Could not find a matching migration file for ${fullname}. Check there is a file named ${fullname}.sql in your migrations folder.`);
      details.push(`MigrationNotFound: ${fullname}.sql is recorded as applied and is not in the folder`);
      actions.push(`put ${fullname}.sql back in the folder as it was applied (sha256 ${row.sha256})`);
      continue;
    }
    const current = sha256Of(migration);
    if (hashCheck && current !== row.sha256) {
      const file = path.basename(migration.file);
      errors.push(`Hash of file ${fullname} has changed ! Did you modify the file after applying the migration ?`);
      details.push(`FileHashChanged: ${file} was applied with sha256 ${row.sha256} and now has sha256 ${current}`);
      actions.push(`restore ${file} to the content that was applied (sha256 ${row.sha256}) and write a new migration for the change`);
    }
  }
  if (errors.length === 0) return undefined;
  return {
    message: `Migration error: Many errors happened : [${errors.join(',\n\t')}] (${details.join('; ')})`,
    operatorAction: actions.join('; '),
  };
}
