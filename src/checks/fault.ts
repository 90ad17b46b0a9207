import fc from 'fast-check';
import { InputError } from '../migrations/types.js';
import type { Fault, FaultKind } from '../faults/types.js';
import { durablePrefix } from '../migrations/transactions.js';
import type { Block } from '../runners/types.js';
import { compareStates, relaxedNote } from './compare.js';
import { explore } from './explore.js';
import { stateFinding } from './findings.js';
import { hasDataDifference, Recoveries, recoveryFinding, type CasePoint } from './recovery.js';
import type { Check, CheckContext, Finding } from './types.js';
import { appliedSet } from './applies.js';
import { downFaults } from './down-faults.js';

/**
 * Faults at statement boundaries that a run must survive: an error, a lost connection, and (on
 * request, since each costs a server restart) a crash of the whole server.
 */
export const FAULT_KINDS = ['error', 'terminate', 'crash'] as const satisfies readonly FaultKind[];
export type BoundaryFault = (typeof FAULT_KINDS)[number];
export const DEFAULT_FAULTS: BoundaryFault[] = ['error', 'terminate'];

export interface FaultCase {
  block: number;
  /** The boundary: before statement `at`; = the block's statement count for "after the last". */
  at: number;
  kind: BoundaryFault;
}

/** SQLSTATE of an injected `error`: raise_exception, which no runner retries. */
const INJECTED_SQLSTATE = 'P0001';

// What a fault leaves in effect is the transaction model's (src/migrations/transactions.ts).
export { durablePrefix };

export function faultCases(blocks: Block[], kinds: BoundaryFault[] = DEFAULT_FAULTS): FaultCase[] {
  return blocks.flatMap((block) =>
    Array.from({ length: block.statements.length + 1 }, (_, at) => kinds.map((kind) => ({ block: block.index, at, kind }))).flat(),
  );
}

/** Boundaries of blocks as an arbitrary that shrinks to the first block, the first boundary, the first kind. */
export function faultArbitrary(blocks: Block[], kinds: BoundaryFault[] = DEFAULT_FAULTS): fc.Arbitrary<FaultCase> {
  return fc.nat(blocks.length - 1).chain((b) =>
    fc.record({
      block: fc.constant(b),
      at: fc.nat(blocks[b]!.statements.length),
      kind: fc.constantFrom(...kinds),
    }),
  );
}

function casePoint(block: Block, c: FaultCase): CasePoint {
  const before = block.statements[c.at];
  const last = block.statements[block.statements.length - 1];
  const statement = before ?? last;
  const migration = statement ? block.migrations.find((m) => m.file === statement.file) : (block.migrations[0] ?? block.record);
  // A block that only writes a tracker row: its boundary is the gap between a migration and its record.
  const where = before ? `before statement ${c.at + 1}` : block.record ? `after ${block.record.name} ran, before its tracker row, in` : 'after the last statement';
  return {
    ...(statement ? { statement } : {}),
    ...(migration ? { migration } : {}),
    label: `fault ${c.kind} ${where}${block.record ? '' : ' of'} block ${c.block + 1} (${block.rule})`,
    details: { fault: c.kind, block: c.block, at: c.at, rule: block.rule, boundary: before ? 'before' : 'after-last', migration: migration?.name ?? null },
  };
}

/** `attribute`: a reported case run again, to name the statement that wrote a data difference. */
async function evaluate(context: CheckContext, recoveries: Recoveries, c: FaultCase, attribute = false): Promise<Finding | null> {
  const { states } = context;
  const block = states.plan.blocks[c.block]!;
  const point = casePoint(block, c);
  const reproduce = context.reproduce('fault');
  const pre = await states.before(c.block);
  const db = await states.copy(pre);
  try {
    const fault: Fault = {
      kind: c.kind,
      block: c.block,
      at: c.at,
      sqlstate: INJECTED_SQLSTATE,
      ...(point.statement ? { before: point.statement } : {}),
      ...(c.kind === 'crash' ? { sql: context.server.crash!.sql() } : {}),
    };
    if (c.kind === 'crash') await states.settle();
    const trace = await states.run(db, { from: c.block, faults: [fault] }).finally(async () => {
      if (c.kind === 'crash') await context.server.crash!.restart();
    });
    if (trace.refusal) return recoveryFinding('fault', point, (await recoveries.operate(db, trace, attribute)) ?? { kind: 'refused', ...trace.refusal }, reproduce);
    // The fresh run passed, so the same statements cannot fail on their own before the fault.
    if (trace.failure && !trace.failure.faulted) {
      throw new Error(`${point.label}: a statement failed before the fault was reached (${trace.failure.error.sqlstate} ${trace.failure.error.message})`);
    }
    if (!trace.failure) throw new Error(`${point.label}: the runner model ran the block without reaching the fault`);

    const durable = durablePrefix(block, c.at);
    const expected = await states.partial(c.block, durable);
    const left = await compareStates(states, db, expected, { relaxed: true, trackers: false });
    if (!left.equal) {
      const promise =
        durable === 0 ? 'the state from before the block' : `exactly the first ${durable} statement${durable === 1 ? '' : 's'} of the block`;
      const finding = stateFinding('fault', `${point.label}: the block must leave ${promise}, and left another state`, left.diff, reproduce, {
        ...(point.statement ? { statement: point.statement } : {}),
        hint: 'an explicit COMMIT or a statement that cannot run in a transaction breaks the block in two: give it a migration of its own',
      });
      return { ...finding, detail: relaxedNote(left.relaxed) };
    }
    const recovery = await recoveries.recover(db, left.hash.key, { attribute });
    return recoveryFinding('fault', point, recovery, reproduce);
  } finally {
    await states.drop(db);
  }
}

/**
 * For a fault at any statement boundary of any block: the block leaves what its transaction
 * rule promises, and a new run without the fault converges to the fresh state.
 */
export const fault: Check = {
  name: 'fault',
  summary: 'a fault at any statement boundary leaves what the block promises, and the next run converges',
  async run(context) {
    if (context.options.direction === 'down') return downFaults(context, 'fault');
    await appliedSet(context);
    const kinds = context.options.faults ?? DEFAULT_FAULTS;
    if (kinds.includes('crash') && !context.server.crash) {
      throw new InputError(
        `the ${context.server.provider} provider cannot crash its server`,
        undefined,
        undefined,
        undefined,
        'use --provider embedded or container for the crash fault (an existing server is not migtest\'s to kill), or leave crash out of --faults',
      );
    }
    const recoveries = new Recoveries(context.states);
    const blocks = context.states.plan.blocks;
    const outcome = await explore(context, {
      check: 'fault',
      all: faultCases(blocks, kinds),
      arbitrary: faultArbitrary(blocks, kinds),
      key: (c) => `${c.block}:${c.at}:${c.kind}`,
      evaluate: (c) => evaluate(context, recoveries, c),
      alone: (c) => c.kind === 'crash',
      attribute: async (c, finding) => (hasDataDifference(finding) ? ((await evaluate(context, recoveries, c, true)) ?? finding) : finding),
    });
    // What the tool always does after a failure is said once, and never fails the check.
    return { ...outcome, notes: recoveries.notes('fault') };
  },
};
