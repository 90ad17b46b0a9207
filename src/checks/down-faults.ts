import fc from 'fast-check';
import type { Fault } from '../faults/types.js';
import { durablePrefix } from '../migrations/transactions.js';
import type { Migration } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { DOWN_BLOCK, type Block, type DownSemantics } from '../runners/types.js';
import { appliedSet } from './applies.js';
import { compareStates, relaxedNote } from './compare.js';
import { explore } from './explore.js';
import { stateFinding } from './findings.js';
import { Prefixes } from './prefixes.js';
import { recoveryFinding, type CasePoint, type Recovery } from './recovery.js';
import type { State } from './states.js';
import type { CheckContext, CheckOutcome, Finding } from './types.js';

/*
 * `fault` and `resume` with `--direction down`: the same promises as on the way up, over the
 * tool's one-step rollback. A fault at a boundary of migration k's down section (run from the state
 * the ups leave after k) must leave what the section's transaction rule promises, and the next
 * step down (after the operator's way out, when the tool refuses) must reach the state the ups
 * leave after k-1. `resume` is the process dying once the section ran and before the tool recorded
 * it: the boundary after its last statement.
 */

export interface DownFaultCase {
  /** 1-based: the migration whose down section the fault is in. */
  k: number;
  /** The boundary: before statement `at` of the section's block, or after the last one. */
  at: number;
  kind: 'error' | 'terminate';
}

/** SQLSTATE of an injected `error`: raise_exception, as on the way up. */
const INJECTED_SQLSTATE = 'P0001';

export async function downFaults(context: CheckContext, check: 'fault' | 'resume'): Promise<CheckOutcome> {
  const { model, states } = context;
  const down = model.down;
  if (!down) return { status: 'skip', cases: 0, findings: [], reason: `${model.name} has no down migrations: --direction down has nothing to run` };
  await appliedSet(context);
  const kinds = check === 'resume' ? (['terminate'] as const) : (context.options.faults ?? ['error', 'terminate']).filter((k) => k !== 'crash');
  const migrations = context.set.migrations;
  const blocks = migrations.map((m) => (m.down?.invalid ? undefined : down.block(states.plan, m)));
  const all: DownFaultCase[] = migrations.flatMap((_, i) => {
    const block = blocks[i];
    if (!block) return [];
    const boundaries = check === 'resume' ? [block.statements.length] : Array.from({ length: block.statements.length + 1 }, (_, at) => at);
    return boundaries.flatMap((at) => kinds.map((kind) => ({ k: i + 1, at, kind })));
  });
  const references = new Prefixes(states, model, context.set, states.settings.runnerOptions);
  try {
    return await explore(context, {
      check,
      all,
      // Shrinks towards the first migration with a down, its first boundary, the first kind.
      arbitrary: fc.constantFrom(...(all.length > 0 ? all : [{ k: 1, at: 0, kind: 'error' as const }])),
      key: (c) => `${c.k}:${c.at}:${c.kind}`,
      evaluate: (c) => evaluate({ context, check, down, references }, c, blocks[c.k - 1]!),
    });
  } finally {
    await references.close();
  }
}

interface Run {
  context: CheckContext;
  check: 'fault' | 'resume';
  down: DownSemantics;
  references: Prefixes;
}

function pointOf(run: Run, c: DownFaultCase, migration: Migration, block: Block): CasePoint {
  const before = block.statements[c.at];
  const statement = before ?? block.statements[block.statements.length - 1];
  const label =
    run.check === 'resume'
      ? `crash after the down section of ${migration.name} ran, before \`${run.down.command}\` recorded it`
      : `fault ${c.kind} ${before ? `before statement ${c.at + 1}` : 'after the last statement'} of the down section of ${migration.name} (${block.rule})`;
  return {
    ...(statement ? { statement } : {}),
    migration,
    label,
    details: { direction: 'down', fault: c.kind, migration: migration.name, at: c.at, rule: block.rule },
    run: `the next \`${run.down.command}\``,
  };
}

async function evaluate(run: Run, c: DownFaultCase, block: Block): Promise<Finding | null> {
  const { context, references } = run;
  const { states } = context;
  const migration = context.set.migrations[c.k - 1]!;
  const point = pointOf(run, c, migration, block);
  const reproduce = context.reproduce(run.check);
  const db = await states.copy(await references.after(c.k));
  try {
    const fault: Fault = { kind: c.kind, block: DOWN_BLOCK, at: c.at, sqlstate: INJECTED_SQLSTATE, ...(block.statements[c.at] ? { before: block.statements[c.at]! } : {}) };
    const step = await states.stepDown(db, { faults: [fault] });
    // A down that fails or is refused on its own is check down's finding, not a fault's.
    if (step.refusal || step.migration !== migration || (step.failure && !step.failure.faulted)) return null;
    if (step.ok) throw new Error(`${point.label}: the runner model ran the down section without reaching the fault`);

    const durable = durablePrefix(block, c.at);
    const promised = await partial(run, c.k, block, durable);
    const left = await compareStates(states, db, promised, { relaxed: true, trackers: false });
    if (!left.equal) {
      const promise = durable === 0 ? 'the state from before the section' : `exactly the first ${durable} statement${durable === 1 ? '' : 's'} of the section`;
      const finding = stateFinding(run.check, `${point.label}: the down section must leave ${promise}, and left another state`, left.diff, reproduce, {
        ...(point.statement ? { statement: point.statement } : {}),
        hint: 'an explicit COMMIT or a statement that cannot run in a transaction breaks the section in two: give it a migration of its own',
      });
      return { ...finding, detail: relaxedNote(left.relaxed), case: point.details };
    }
    const recovery = await recover(run, db, migration, c.k);
    const finding = recoveryFinding(run.check, point, recovery, reproduce);
    if (finding && recovery.kind === 'failed') {
      // The section met what its own interrupted run did, not what a later migration did.
      finding.hint = `the section ran (in part or whole) outside a transaction and the tool had not recorded it, so the next step runs it again: write each statement so that it can run twice (IF EXISTS), or let ${run.down.command} run the section in its transaction`;
    }
    return finding;
  } finally {
    await states.drop(db);
  }
}

/**
 * The next step down on what the fault left (consumed), after the operator's way out when the tool
 * refuses: converged when one way reaches the state the ups leave after k-1, trackers included.
 */
async function recover(run: Run, db: DatabaseHandle, migration: Migration, k: number): Promise<Recovery> {
  const { context, down, references } = run;
  const { states } = context;
  const target = await references.after(k - 1);
  const judge = async (on: DatabaseHandle, again: boolean): Promise<Recovery> => {
    if (again) {
      const step = await states.stepDown(on);
      if (step.refusal) return { kind: 'refused', message: step.refusal.message, operatorAction: step.refusal.operatorAction };
      if (step.failure) return { kind: 'failed', ...(step.failure.statement ? { statement: step.failure.statement } : {}), error: step.failure.error };
    }
    const reached = await compareStates(states, on, target, { relaxed: true, trackers: true });
    if (reached.equal) return { kind: 'converged' };
    const relaxed = relaxedNote(reached.relaxed);
    return { kind: 'diverged', diff: reached.diff, ...(relaxed ? { relaxed } : {}) };
  };
  const first = await judge(db, true);
  if (first.kind !== 'refused') return first;
  const ways = down.recoveries?.(states.plan, migration) ?? [];
  let documented: Recovery | undefined;
  for (const way of ways) {
    const copy = await states.copyDatabase(db);
    try {
      await way.apply(copy);
      const outcome = { ...(await judge(copy, way.again)), operator: { label: way.label } } as Recovery;
      if (outcome.kind === 'converged') return outcome;
      documented ??= outcome;
    } finally {
      await states.drop(copy);
    }
  }
  return documented ?? first;
}

/** The state after ups 1..k and the first `durable` statements of k's down section, each committed. */
async function partial(run: Run, k: number, block: Block, durable: number): Promise<State> {
  const after = await run.references.after(k);
  if (durable === 0) return after;
  return run.context.states.replayed(`down:${k}:${durable}`, after, block.statements.slice(0, durable), `the first ${durable} statements of the down section of migration ${k}`);
}
