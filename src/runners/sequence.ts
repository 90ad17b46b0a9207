import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import type { Block, BlockTrace, RunOptions, Trace } from './types.js';

/**
 * The loop every model shares: one connection, blocks in order from `options.from`, stop at the
 * first error (the tool exits), stop before `options.until`. The connection is closed at the end as a process exit would:
 * an open transaction rolls back.
 */
export async function runBlocks(
  db: DatabaseHandle,
  blocks: Block[],
  options: RunOptions,
  runBlock: (client: pg.Client, block: Block) => Promise<BlockTrace>,
  client?: pg.Client,
): Promise<Trace> {
  const connection = client ?? (await db.connect());
  connection.on('error', () => {
    // A terminated backend is a case's expected outcome; its error surfaces through the query.
  });
  const trace: Trace = { blocks: [], ok: true };
  try {
    for (const block of blocks) {
      if (options.from !== undefined && block.index < options.from) continue;
      if (options.until !== undefined && block.index >= options.until) break;
      const result = await runBlock(connection, block);
      trace.blocks.push(result);
      if (result.error) {
        const failed = result.outcomes.find((o) => o.status === 'error');
        trace.ok = false;
        trace.failure = {
          block,
          error: result.error,
          ...(failed ? { statement: failed.statement } : {}),
          ...(result.faulted ? { faulted: true } : {}),
        };
        break;
      }
    }
  } finally {
    if (!client) await connection.end().catch(() => undefined);
  }
  return trace;
}

