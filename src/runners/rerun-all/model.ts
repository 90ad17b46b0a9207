import type { MigrationSet } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn } from '../../faults/inject.js';
import { oneStringRule, runOneString } from '../execute.js';
import { runBlocks, runWithRetries } from '../sequence.js';
import type { Block, Plan, RunOptions, RunnerModel, Trace } from '../types.js';

/**
 * certctl's boot-time runner (before it gained a tracker): every `*.up.sql`, sorted by name, each
 * file sent as one simple-query string on one connection, the process exiting at the first
 * failure. Nothing records what ran, so every boot runs every file again.
 */
export const rerunAll: RunnerModel = {
  name: 'rerun-all',
  format: 'rerun-all',
  summary: 'every *.up.sql in name order, each file as one simple-query string, no tracker (certctl)',

  plan(set: MigrationSet): Plan {
    const blocks: Block[] = set.migrations.map((migration, index) => ({
      index,
      rule: oneStringRule(migration.up.statements),
      migrations: [migration],
      statements: migration.up.statements,
      text: migration.up.text,
    }));
    return { runner: 'rerun-all', set, blocks };
  },

  run(plan: Plan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    // No retries of its own: under a policy the service is restarted, and runs every file again.
    return runWithRetries(options, (once) =>
      runBlocks(db, plan.blocks, once, (client, block) => runOneString(client, block, faultsIn(once.faults, block.index))),
    );
  },
};
