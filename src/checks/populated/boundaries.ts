import type { Migration } from '../../migrations/types.js';
import type { Plan } from '../../runners/types.js';

/**
 * A point of a first run where a database can hold the application's rows: between releases (the
 * state after a block that finishes its migrations), or between a file and its record, where a
 * crash makes the next run apply the file again (Block.record).
 */
export interface Boundary {
  /** The state the case starts from is the first run's before this block; `plan.blocks.length`: after the whole run. */
  block: number;
  /** The last migration the state has run. */
  migration: Migration;
  /** Ran and not recorded yet: the next run applies `migration` again. */
  unrecorded: boolean;
  /** For people: where the rows are put. */
  label: string;
}

/**
 * Every boundary of the plan, in plan order. The empty database (nothing to fill) is not one; the
 * state after the whole run is one only when the runner runs files again on every run (rerunAll),
 * since otherwise the next run there has nothing to do. A tool that runs several migrations in
 * one block gives no boundary inside it: a deployment of that tool never stops there either.
 */
export function boundaries(plan: Plan, rerunAll: boolean): Boundary[] {
  const found: Boundary[] = [];
  const end = plan.blocks.length;
  for (let b = 1; b <= end; b++) {
    if (b === end && !rerunAll) break;
    const previous = plan.blocks[b - 1]!;
    const migration = previous.record ?? previous.migrations[previous.migrations.length - 1];
    if (!migration) continue;
    const unrecorded = plan.blocks[b]?.record !== undefined;
    const label = unrecorded
      ? `after ${migration.name} ran and before the runner recorded it (a crash between them)`
      : b === end
        ? 'after the whole set'
        : `after ${migration.name}`;
    found.push({ block: b, migration, unrecorded, label });
  }
  return found;
}
