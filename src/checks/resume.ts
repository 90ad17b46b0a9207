import fc from 'fast-check';
import type { Migration } from '../migrations/types.js';
import { explore } from './explore.js';
import { hasDataDifference, Recoveries, recoveryFinding, type CasePoint } from './recovery.js';
import type { Check, CheckContext, Finding } from './types.js';
import { appliedSet } from './applies.js';
import { downFaults } from './down-faults.js';

/** Where migration k sits in the plan. */
interface Position {
  migration: Migration;
  block: number;
  /** Statements of the block up to and including this migration's. */
  end: number;
  last: boolean;
}

function positions(context: CheckContext): Position[] {
  return context.states.plan.blocks.flatMap((block) => {
    // Counted once per block: a tool that runs every pending migration in one block would make
    // a count per migration quadratic in the size of the set.
    const perFile = new Map<string, number>();
    for (const s of block.statements) perFile.set(s.file, (perFile.get(s.file) ?? 0) + 1);
    let end = 0;
    return block.migrations.map((migration, i) => {
      end += perFile.get(migration.file) ?? 0;
      return { migration, block: block.index, end, last: i === block.migrations.length - 1 };
    });
  });
}

/** `attribute`: a reported case run again, to name the statement that wrote a data difference. */
async function evaluate(context: CheckContext, recoveries: Recoveries, k: number, position: Position, attribute = false): Promise<Finding | null> {
  const { states } = context;
  const statements = states.plan.blocks[position.block]!.statements;
  const point: CasePoint = {
    ...(statements[position.end - 1] ? { statement: statements[position.end - 1]! } : {}),
    migration: position.migration,
    label: `crash after migration ${k + 1} (${position.migration.name})`,
    details: { crashAfter: k, migration: position.migration.name, block: position.block, midBlock: !position.last },
  };
  const reproduce = context.reproduce('resume');
  let db;
  let reference;
  if (position.last) {
    // The process dies once the block is done: exactly the state a run stopped before the next block has.
    reference = await states.before(position.block + 1);
    db = await states.copy(reference);
  } else {
    // Mid-block, the process dies with the block's transaction open: the connection goes.
    reference = await states.before(position.block);
    db = await states.copy(reference);
    const trace = await states.run(db, {
      from: position.block,
      faults: [{ kind: 'terminate', block: position.block, at: position.end }],
    });
    if (trace.failure && !trace.failure.faulted) {
      await states.drop(db);
      return null;
    }
  }
  try {
    const left = await states.hashAgainst(db, reference);
    return recoveryFinding('resume', point, await recoveries.recover(db, left.key, { attribute }), reproduce);
  } finally {
    await states.drop(db);
  }
}

/** For a crash after any migration k, a new run converges to the fresh state. */
export const resume: Check = {
  name: 'resume',
  summary: 'after a crash after any migration, a new run converges to the fresh state',
  async run(context) {
    if (context.options.direction === 'down') return downFaults(context, 'resume');
    await appliedSet(context);
    const recoveries = new Recoveries(context.states);
    const all = positions(context);
    const outcome = await explore(context, {
      check: 'resume',
      all: all.map((_, k) => k),
      arbitrary: fc.nat(Math.max(0, all.length - 1)),
      key: String,
      evaluate: (k) => evaluate(context, recoveries, k, all[k]!),
      attribute: async (k, finding) => (hasDataDifference(finding) ? ((await evaluate(context, recoveries, k, all[k]!, true)) ?? finding) : finding),
    });
    return { ...outcome, notes: recoveries.notes('resume') };
  },
};
