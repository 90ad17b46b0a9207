import type { DataPlan } from '../../data/types.js';
import type { Fault } from '../../faults/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import type { Block, Trace } from '../../runners/types.js';
import type { Difference } from '../../snapshot/types.js';
import { compareStates } from '../compare.js';
import { stateFinding } from '../findings.js';
import type { State, States } from '../states.js';
import type { Finding } from '../types.js';
import { upgradeFinding, withRows } from './findings.js';
import { atTheLimits, failedTrace } from './verdict.js';
import { tableOf, type Accepted, type Baseline, type CaseSetup, type CaseStart } from './types.js';

/*
 * A lost ack on a populated database: the block after the boundary commits, the connection drops
 * before the runner reads the answer, and the retry policy (the tool's own, or `--retry` for a
 * supervisor that runs it again) does the committed work again. On empty tables a data migration
 * that is not safe to repeat (`UPDATE accounts SET credit = credit + 500`) changes nothing, so
 * `retry` cannot see it; over rows it changes them twice.
 */

/** Where the lost ack is: the COMMIT of an in-txn block, the last statement of any other. */
export function ackLostAt(block: Block): Fault {
  const at = block.rule === 'in-txn' ? block.statements.length : Math.max(0, block.statements.length - 1);
  return { kind: 'ack-lost', block: block.index, at, ...(block.statements[at] ? { before: block.statements[at] } : {}) };
}

/** What the faulted run ended in: a failure (of the retried run or the next one), or the database it left. */
export type AckLostRun = { failed: Trace } | { left: DatabaseHandle };

/**
 * Runs the rest of the set on `db` (consumed on failure: the caller drops it either way) with the
 * ack of `block` lost, under the run's retry policy; when the run stops at the lost connection,
 * the next run follows, as a supervisor starts it.
 */
export async function runWithAckLost(states: States, db: DatabaseHandle, block: Block): Promise<AckLostRun> {
  const retry = states.settings.retry;
  const first = await states.run(db, { faults: [ackLostAt(block)], ...(retry ? { retry } : {}) });
  if (first.ok) return { left: db };
  if (first.refusal) return { left: db }; // an inherent stop: check retry notes it; nothing here to compare
  if (!first.failure?.ackLost) return { failed: first };
  const next = await states.run(db);
  return next.ok || next.refusal ? { left: db } : { failed: next };
}

/** The data tables where `left` differs from the clean run's state `clean`, without the values PostgreSQL makes anew. */
export async function ackLostDifferences(states: States, left: DatabaseHandle, clean: DatabaseHandle): Promise<Difference[]> {
  const reference: State = { db: clean, trace: { blocks: [], ok: true }, hash: await states.hash(clean) };
  const comparison = await compareStates(states, left, reference, { relaxed: true, trackers: false });
  return comparison.equal ? [] : comparison.diff.filter((d) => d.path.startsWith('data:'));
}

/** The lost ack of the block after the boundary without rows: what `retry` already sees there. */
export async function ackLostBaseline(states: States, start: State, block: number, clean: DatabaseHandle): Promise<Pick<Baseline, 'ackLostFails' | 'ackLostChanged'>> {
  const db = await states.copy(start);
  try {
    const run = await runWithAckLost(states, db, states.plan.blocks[block]!);
    if ('failed' in run) return { ackLostFails: true, ackLostChanged: new Set() };
    return { ackLostFails: false, ackLostChanged: new Set((await ackLostDifferences(states, db, clean)).map(tableOf)) };
  } finally {
    await states.drop(db);
  }
}

/**
 * The same rows, in `db` (a copy of the case's database taken before its upgrade; the caller
 * drops it), the block after the boundary's ack lost: the run must still succeed and leave the
 * rows as the clean run `clean` left them.
 */
export async function ackLostCase(
  setup: CaseSetup,
  start: CaseStart,
  plan: DataPlan,
  accepted: Accepted,
  baseline: Baseline,
  db: DatabaseHandle,
  clean: DatabaseHandle,
  report?: boolean,
): Promise<Finding | null> {
  const { states } = setup;
  const block = states.plan.blocks[start.boundary.block]!;
  const run = await runWithAckLost(states, db, block);
  const where = `after a lost ack at the end of ${block.migrations.map((m) => m.name).join(', ') || 'the next block'}`;
  if ('failed' in run) {
    if (baseline.ackLostFails || atTheLimits(failedTrace(run.failed))) return null;
    return upgradeFinding(setup, start, plan, run.failed, accepted, report, `the run that does the work again ${where}`);
  }
  const diff = (await ackLostDifferences(states, db, clean)).filter((d) => !baseline.ackLostChanged.has(tableOf(d)));
  if (diff.length === 0) return null;
  const fault = ackLostAt(block);
  const finding = stateFinding(
    'populated',
    `${where}, doing the committed work again changed rows that were there before: ${diff.map(tableOf).join(', ')}, with generated rows put in ${start.boundary.label}`,
    diff,
    setup.reproduce,
    {
      ...(fault.before ?? block.statements.at(-1) ? { statement: (fault.before ?? block.statements.at(-1))! } : {}),
      hint: 'the migration changes rows again when it runs again after its commit was lost: make it converge (mark the rows it handled, or compute from the values it replaces)',
    },
  );
  return withRows(finding, start, plan, accepted, report);
}
