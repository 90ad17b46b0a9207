import type { MigrationSet } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { runScript } from './execute.js';
import type { Block, Plan, RunnerModel, Trace } from './types.js';

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
      rule: 'script',
      migrations: [migration],
      statements: migration.up.statements,
      text: migration.up.text,
    }));
    return { runner: 'rerun-all', blocks };
  },

  async run(set: MigrationSet, db: DatabaseHandle): Promise<Trace> {
    const plan = this.plan(set);
    const client = await db.connect();
    const trace: Trace = { blocks: [], ok: true };
    try {
      for (const block of plan.blocks) {
        const result = await runScript(client, block);
        trace.blocks.push(result);
        if (result.error) {
          const failed = result.outcomes.find((o) => o.status === 'error');
          trace.ok = false;
          trace.failure = { block, error: result.error, ...(failed ? { statement: failed.statement } : {}) };
          break;
        }
      }
    } finally {
      // The real runner exits on failure: its connection closes and an open transaction rolls back.
      await client.end().catch(() => undefined);
    }
    return trace;
  },
};
