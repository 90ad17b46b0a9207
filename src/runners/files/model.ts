import type pg from 'pg';
import type { Migration, MigrationSet } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn, type Faults } from '../../faults/inject.js';
import { execStatements, oneStringRule, runOneString, runScriptInTxn, toBlockTrace, toPgError } from '../execute.js';
import { quiet, runBlocks, runWithRetries } from '../sequence.js';
import type { Block, BlockTrace, Plan, RunOptions, RunnerModel, RunnerOptions, Trace, TrackerSpec } from '../types.js';
import { keysOf, OPTIONS, qualified, settingsOf, type Settings, type Tracker } from './settings.js';

/** applied_at is the time of each run: never a difference between two states. */
const VOLATILE = ['applied_at'];

/** The files model's plan: its blocks, the options its runs follow, and each file's tracker row. */
export interface FilesPlan extends Plan {
  settings: Settings;
  keys: Map<Migration, string>;
}

function spec(tracker: Tracker): TrackerSpec {
  return { schema: tracker.schema, table: tracker.table, volatile: VOLATILE };
}

/**
 * Each file is one block. With record=after-file the row is a block of its own right after it, so
 * that a crash, a fault or a lost answer between the file's commit and its row is a boundary
 * checks can stop at: the state that makes the next start run the file again.
 */
function blocksOf(set: MigrationSet, settings: Settings): Block[] {
  const blocks: Block[] = [];
  for (const migration of set.migrations) {
    const statements = migration.up.statements;
    blocks.push({
      index: blocks.length,
      // BEGIN … COMMIT around a file makes even one statement part of a transaction.
      rule: settings.transaction === 'per-file' ? 'in-txn' : oneStringRule(statements),
      migrations: [migration],
      statements,
      text: migration.up.text,
    });
    if (settings.tracker && settings.record === 'after-file') {
      blocks.push({ index: blocks.length, rule: 'no-txn', migrations: [], statements: [], record: migration });
    }
  }
  return blocks;
}

/** The migration a block runs or records. */
function migrationOf(block: Block): Migration {
  return block.record ?? block.migrations[0]!;
}

function insertRow(tracker: Tracker): string {
  return `INSERT INTO ${qualified(tracker)} (version) VALUES ($1)`;
}

/** A file's block: its text as one string, between BEGIN and COMMIT with transaction=per-file (and its row before the COMMIT with record=with-file). */
function runFile(client: pg.Client, block: Block, plan: FilesPlan, faults: Faults): Promise<BlockTrace> {
  const { settings } = plan;
  if (block.rule === 'in-txn') {
    const tracker = settings.tracker;
    const key = plan.keys.get(migrationOf(block));
    const withRow = tracker && settings.record === 'with-file' && key !== undefined;
    return runScriptInTxn(client, block, faults, withRow ? { beforeCommit: async (c) => void (await c.query(insertRow(tracker), [key])) } : {});
  }
  return runOneString(client, block, faults);
}

/** The row written after its file, autocommitted on its own; a fault here falls between the two. */
async function runRecord(client: pg.Client, block: Block, plan: FilesPlan, faults: Faults): Promise<BlockTrace> {
  const run = await execStatements(client, [], faults);
  if (run.error) return toBlockTrace(block, run, 0, faults);
  try {
    await client.query(insertRow(plan.settings.tracker!), [plan.keys.get(migrationOf(block))]);
  } catch (error) {
    return toBlockTrace(block, { ...run, error: toPgError(error), failedAt: 0, faulted: false }, 0, faults);
  }
  return toBlockTrace(block, run, 0, faults);
}

/** What the runner does before the first file: its lock, then its tracker table, then what the table holds. */
async function start(client: pg.Client, settings: Settings): Promise<Set<string>> {
  if (settings.lock !== null) await client.query('SELECT pg_advisory_lock($1::bigint)', [settings.lock.toString()]);
  const tracker = settings.tracker;
  if (!tracker) return new Set();
  if (tracker.schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS "${tracker.schema}"`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${qualified(tracker)} (version text primary key, applied_at timestamptz default now())`);
  const { rows } = await client.query<{ version: string }>(`SELECT version FROM ${qualified(tracker)}`);
  return new Set(rows.map((row) => row.version));
}

/** One start of the service: lock, tracker, every file whose key is not recorded, unlock. */
async function runOnce(plan: FilesPlan, db: DatabaseHandle, options: RunOptions): Promise<Trace> {
  const client = quiet(await db.connect());
  try {
    const applied = await start(client, plan.settings);
    const pending = plan.blocks.filter((block) => !applied.has(plan.keys.get(migrationOf(block)) ?? ''));
    const trace = await runBlocks(
      db,
      pending,
      options,
      (c, block) => (block.record ? runRecord(c, block, plan, faultsIn(options.faults, block.index)) : runFile(c, block, plan, faultsIn(options.faults, block.index))),
      client,
    );
    if (plan.settings.lock !== null) await client.query('SELECT pg_advisory_unlock($1::bigint)', [plan.settings.lock.toString()]).catch(() => undefined);
    return trace;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A home-grown boot runner, the shape most Go and Node services write: every `*.up.sql` in name
 * order, each sent as one simple-query string on one connection, an optional advisory lock for
 * the whole run, an optional tracker table keyed by file name or leading number, written after
 * the file (a crash in between runs the file again) or with it. The process exits at the first
 * failure. Without a tracker it is the tracker-less boot runner of the reference story.
 */
export const files: RunnerModel<FilesPlan> = {
  name: 'files',
  format: 'files',
  summary: 'a home-grown boot runner: every *.up.sql in name order, each as one string; options: tracker, key, record, transaction, lock',
  tracker: spec({ schema: 'public', table: 'schema_migrations' }),
  options: OPTIONS,

  plan(set: MigrationSet, options: RunnerOptions = {}): FilesPlan {
    const settings = settingsOf(options);
    return {
      runner: 'files',
      set,
      blocks: blocksOf(set, settings),
      tracker: settings.tracker ? spec(settings.tracker) : null,
      settings,
      keys: keysOf(set, settings),
    };
  },

  run(plan: FilesPlan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    // No retries of its own: under a policy the service is restarted, and its next start skips
    // only what the tracker recorded.
    return runWithRetries(options, (once) => runOnce(plan, db, once));
  },
};
