import type pg from 'pg';
import { InputError, type MigrationSet } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn, type Faults } from '../../faults/inject.js';
import { oneStringRule, runOneString, runScriptInTxn, toPgError } from '../execute.js';
import { quiet, runBlocks, runWithRetries } from '../sequence.js';
import { downRunsAgain, downSectionBlock, stepDown } from './down.js';
import type { Block, BlockTrace, Plan, RunOptions, RunnerModel, RunnerOptions, Trace } from '../types.js';

const SCHEMA = 'public';
const TABLE = 'schema_migrations';

/** dbmate 2.36 (postgres driver), schema from current_schema(): public on a fresh database. */
const CREATE_TRACKER = `create table if not exists ${SCHEMA}.${TABLE} (version varchar primary key)`;
const SELECT_APPLIED = `select version from ${SCHEMA}.${TABLE} order by version desc`;
const INSERT_MIGRATION = `insert into ${SCHEMA}.${TABLE} (version) values ($1)`;

function settings(options: RunnerOptions = {}): void {
  const unknown = Object.keys(options);
  if (unknown.length > 0) {
    throw new InputError(
      `unknown runner option '${unknown[0]}' for dbmate`,
      undefined,
      undefined,
      undefined,
      'the dbmate runner model takes no runner options: write -- migrate:up transaction:false on a migration that must run outside a transaction',
    );
  }
}

/**
 * A `transaction:false` section of one statement is autocommitted as a statement on its own would
 * be, so its block is `no-txn`: a fault then falls between the section and dbmate's insert of its
 * version, and CREATE INDEX CONCURRENTLY stays alone in its string, as dbmate sends it.
 */
function blocksOf(set: MigrationSet): Block[] {
  return set.migrations.map((migration, index) => ({
    index,
    rule: migration.directives['transaction'] !== false ? 'in-txn' : oneStringRule(migration.up.statements),
    migrations: [migration],
    statements: migration.up.statements,
    text: migration.up.text,
  }));
}

/**
 * One migration as `dbmate migrate` applies it: its up section as one `tx.Exec` inside a
 * transaction that also inserts its version; with `transaction:false`, the section as one
 * string on its own (one implicit transaction, still) and then the insert.
 */
async function runMigration(client: pg.Client, block: Block, fault?: Faults): Promise<BlockTrace> {
  const version = block.migrations[0]!.id;
  const record = async (c: pg.Client): Promise<void> => {
    await c.query(INSERT_MIGRATION, [version]);
  };
  if (block.rule === 'in-txn') return runScriptInTxn(client, block, fault, { beforeCommit: record });
  const trace = await runOneString(client, block, fault);
  if (trace.error) return trace;
  try {
    await record(client);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}

/**
 * dbmate (amacneil/dbmate 2.36, postgres): `VERSION_name.sql` files in name order, every version
 * not yet in schema_migrations applied, each up section sent as one string in a transaction of
 * its own together with its tracker insert; `transaction:false` drops the BEGIN but not the
 * single string, so PostgreSQL still runs the section in one implicit transaction.
 */
export const dbmate: RunnerModel = {
  name: 'dbmate',
  format: 'dbmate',
  summary: 'dbmate: each up section as one string in its own transaction with its schema_migrations insert; transaction:false = implicit transaction',
  tracker: { schema: SCHEMA, table: TABLE },
  options: {},

  plan(set: MigrationSet, options: RunnerOptions = {}): Plan {
    settings(options);
    return { runner: 'dbmate', set, blocks: blocksOf(set) };
  },

  run(plan: Plan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    // dbmate has no retries: a policy is a supervisor running `dbmate up` again.
    return runWithRetries(options, (once) => runOnce(plan, db, once));
  },

  down: { command: 'dbmate rollback', step: stepDown, block: downSectionBlock, runsAgain: downRunsAgain },
};

/** One `dbmate up`: every version not yet in schema_migrations, in file order. */
async function runOnce(plan: Plan, db: DatabaseHandle, options: RunOptions): Promise<Trace> {
  const client = quiet(await db.connect());
  try {
    await client.query(CREATE_TRACKER);
    const applied = new Set((await client.query<{ version: string }>(SELECT_APPLIED)).rows.map((row) => row.version));
    // Not only newer versions: dbmate applies every version it has not recorded (without --strict).
    const pending = plan.blocks.filter((block) => !applied.has(block.migrations[0]!.id));
    return await runBlocks(db, pending, options, (c, block) => runMigration(c, block, faultsIn(options.faults, block.index)), client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
