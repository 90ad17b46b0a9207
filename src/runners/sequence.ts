import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import { realClock, waitBefore } from './retry.js';
import type { Block, BlockTrace, RunOptions, Trace } from './types.js';

const quieted = new WeakSet<pg.Client>();

/**
 * A client whose connection errors surface only through the query that was running: a terminated
 * backend is a case's expected outcome. Once per client, since a database's idle connection is
 * handed out again (src/postgres/server.ts) and a retried run connects many times.
 */
export function quiet(client: pg.Client): pg.Client {
  if (!quieted.has(client)) {
    quieted.add(client);
    client.on('error', () => undefined);
  }
  return client;
}

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
  const connection = quiet(client ?? (await db.connect()));
  const trace: Trace = { blocks: [], ok: true };
  // The last block run, for the boundary after it (-1: none ran, so the boundary is block 0's).
  let last = (options.from ?? 0) - 1;
  try {
    for (const block of blocks) {
      if (options.from !== undefined && block.index < options.from) continue;
      if (options.until !== undefined && block.index >= options.until) break;
      await options.atBoundary?.(block.index);
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
          ...(result.ackLost ? { ackLost: true } : {}),
        };
        break;
      }
      last = block.index;
    }
    if (trace.ok && options.atBoundary) await options.atBoundary(last + 1);
  } finally {
    if (!client) await connection.end().catch(() => undefined);
  }
  return trace;
}

/** What the tries of one block came to over the runs of a supervisor. */
interface BlockTries {
  errors: string[];
  waitsMs: number[];
  passed: boolean;
}

/**
 * A tool without retries of its own, under a retry policy: a supervisor (a deploy script's retry
 * loop, a restarting container or service) runs the tool again after a failed run, as a new
 * process, after the policy's wait. The new run knows only what the database holds: a tool with a
 * tracker skips what it recorded, one without runs everything again. The try counter belongs to
 * the block a run failed at, and starts over when a run fails at a later block than any before
 * (the tool got further), so every block gets the policy's tries. A refusal by the tool (a dirty
 * version) is final: waiting does not change it.
 */
export async function runWithRetries(options: RunOptions, once: (options: RunOptions) => Promise<Trace>): Promise<Trace> {
  const policy = options.retry;
  if (!policy) return once(options);
  const clock = options.clock ?? realClock;
  const latest = new Map<number, BlockTrace>();
  const tries = new Map<number, BlockTries>();
  const triesOf = (index: number): BlockTries => {
    let entry = tries.get(index);
    if (!entry) tries.set(index, (entry = { errors: [], waitsMs: [], passed: false }));
    return entry;
  };
  let current = options;
  let unit = -1;
  let failures = 0;
  let waitedMs = 0;
  let runs = 0;
  for (;;) {
    const trace = await once(current);
    runs++;
    for (const b of trace.blocks) {
      latest.set(b.block.index, b);
      if (b.error) triesOf(b.block.index).errors.push(b.error.sqlstate);
      else triesOf(b.block.index).passed = true;
    }
    const failed = trace.failure?.block.index;
    const wait = trace.ok || trace.refusal || failed === undefined ? undefined : waitBefore(policy, failed > unit ? 1 : failures + 1);
    if (wait === undefined || failed === undefined) {
      const blocks = [...latest.values()]
        .sort((a, b) => a.block.index - b.block.index)
        .map((b) => {
          const t = triesOf(b.block.index);
          return { ...b, tries: t.errors.length + (t.passed ? 1 : 0), waitsMs: t.waitsMs, tryErrors: t.errors };
        });
      return { ...trace, blocks, retry: { policy: policy.text, waitedMs, runs } };
    }
    if (failed > unit) {
      unit = failed;
      failures = 0;
    }
    failures++;
    await clock.sleep(wait);
    waitedMs += wait;
    triesOf(failed).waitsMs.push(wait);
    // A new process: whatever the first run was continuing (`from`) is gone with the old one.
    const { from: _from, ...rest } = options;
    current = rest;
  }
}
