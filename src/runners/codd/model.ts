import type { MigrationSet } from '../../migrations/types.js';
import { initParser } from '../../migrations/split.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import type { Block, InherentStop, RunOptions, RunnerModel, RunnerOptions, Trace } from '../types.js';
import { CoddCluster } from './cluster.js';
import { blocksOf, OPTIONS, settings, type CoddPlan } from './plan.js';
import { CODD_RETRY_POLICY, parseCoddRetryPolicy } from './retry-policy.js';
import { CoddRun } from './run.js';
import { unrecordedDatabase } from './stop.js';
import { SCHEMA, TABLE } from './tracker.js';

/** codd's defaultRetryPolicy (CODD_RETRY_POLICY unset, src/Codd/Types.hs): 3 tries, waiting 1 s then 2 s. */
export const CODD_DEFAULT_RETRY = 'max 2 backoff exponential 1s';

/*
 * codd (mzabani/codd): migrations sent statement by statement; consecutive in-txn migrations
 * with the same connection string in one transaction; each no-txn migration alone, resumable
 * from the statement after the last one applied (or from its last BEGIN); the record in
 * codd.sql_migrations written in the block's transaction when the block runs on the default
 * database, otherwise as soon as the default connection is open. Sources: src/Codd/Internal.hs,
 * src/Codd/Parsing.hs, src/Codd/InternalSchema/V1–V5.hs (see docs/runners/codd.md).
 *
 * The model's parts: plan.ts (settings, blocks), cluster.ts (databases and roles per case),
 * sql.ts (statements about them, rewritten), run.ts, connections.ts, records.ts, blocks.ts and
 * send.ts (one run), tracker.ts (codd.sql_migrations), stop.ts (the stop no SQL can avoid).
 */

/**
 * codd: `YYYY-MM-DD-HH-MM-SS-name.sql` in name order, sent statement by statement; consecutive
 * in-txn migrations on the same connection string in one transaction with their records; each
 * no-txn migration on its own, resumable where it failed; `-- codd-connection:` migrations on the
 * database they name, mapped onto the server under test and, for databases and roles the set
 * creates, onto objects of the case's own, which `cluster` keeps.
 */
export function coddModel(cluster: CoddCluster = new CoddCluster()): RunnerModel<CoddPlan> & { cluster: CoddCluster } {
  return {
    name: 'codd',
    format: 'codd',
    summary: 'codd: statements one by one; consecutive in-txn migrations per connection in one transaction; no-txn migrations resumable; codd.sql_migrations',
    tracker: { schema: SCHEMA, table: TABLE, volatile: ['id', 'applied_at', 'application_duration', 'txnid', 'connid'] },
    options: OPTIONS,
    cluster,
    retry: {
      defaultPolicy: CODD_DEFAULT_RETRY,
      environment: { variable: CODD_RETRY_POLICY, parse: parseCoddRetryPolicy },
      noTxnByStatement: true,
      lostConnectionEndsRun: true,
      separate: 'give it a migration of its own (-- codd: no-txn for ALTER TYPE … ADD VALUE)',
    },

    plan(set: MigrationSet, options: RunnerOptions = {}): CoddPlan {
      return { runner: 'codd', set, blocks: blocksOf(set), settings: settings(set, options) };
    },

    async run(plan: CoddPlan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
      await initParser();
      const run = new CoddRun(cluster, plan.set, db, plan.settings, plan.blocks);
      try {
        return await run.go(options);
      } finally {
        await run.close();
      }
    },

    async inherentStop(plan: CoddPlan, db: DatabaseHandle, trace: Trace): Promise<InherentStop | undefined> {
      await initParser();
      return unrecordedDatabase(cluster, db, trace, plan.settings);
    },

    async replay(plan: CoddPlan, db: DatabaseHandle, block: Block, count: number): Promise<void> {
      await initParser();
      const run = new CoddRun(cluster, plan.set, db, plan.settings, plan.blocks);
      try {
        await run.replay(block, count);
      } finally {
        await run.close();
      }
    },
  };
}

/** The model, with the cluster-level objects of every run in this process. */
export const codd = coddModel();
