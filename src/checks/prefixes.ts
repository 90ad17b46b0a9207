import type { MigrationSet } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { Plan, RunnerModel, Trace } from '../runners/types.js';
import type { State, States } from './states.js';

/**
 * The states migrations 1..j reach by ups alone, as the tool leaves them when its folder holds
 * only those files: the model plans each prefix of the set, so that a tool that runs several
 * migrations in one transaction (as some tools do) still gives a state after every migration, and the
 * state of no migration is the tool's empty tracker. Each is built from the one before.
 */
export class Prefixes {
  readonly #plans = new Map<number, Plan>();

  constructor(
    readonly states: States,
    readonly model: RunnerModel,
    readonly set: MigrationSet,
    readonly runnerOptions: Record<string, string>,
  ) {}

  plan(j: number): Plan {
    let plan = this.#plans.get(j);
    if (!plan) {
      plan = this.model.plan({ ...this.set, migrations: this.set.migrations.slice(0, j) }, this.runnerOptions);
      this.#plans.set(j, plan);
    }
    return plan;
  }

  /** Runs the tool with the first j files on `db`. */
  run(j: number, db: DatabaseHandle): Promise<Trace> {
    return this.states.run(db, {}, this.plan(j));
  }

  /**
   * The state after migrations 1..j, built from the nearest earlier one kept (never recursively:
   * a set of thousands of files builds them in a loop), within the run's --memory budget.
   */
  after(j: number): Promise<State> {
    return this.states.kept.reach(`prefix:${j}:`, async () => {
      let k = j - 1;
      while (k > 0 && !this.states.kept.available(`prefix:${k}:`)) k--;
      const db = k <= 0 ? await this.states.server.createDatabase() : await this.states.copy(await this.after(k));
      const trace = await this.run(j, db);
      if (!trace.ok) throw prefixFails(j, trace);
      return { db, trace };
    });
  }

  /** The states of the prefixes go at the end of the check that made them. */
  close(): Promise<void> {
    return this.states.kept.forget('prefix:');
  }
}

/** The error of a run of the first j migrations that failed (a check reports a set that does not apply from its fresh run). */
export function prefixFails(j: number, trace: Trace): Error {
  return new Error(`the first ${j} migrations alone do not apply: ${trace.failure?.error.message ?? trace.refusal?.message ?? 'the run failed'}`);
}
