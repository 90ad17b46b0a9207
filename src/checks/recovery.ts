import type { Migration, Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { InherentStop, PgError, Trace } from '../runners/types.js';
import type { Difference } from '../snapshot/types.js';
import { compareStates, relaxedNote } from './compare.js';
import { at, diffSignature, displayPath, errorAt } from './findings.js';
import { hintFor } from './hints.js';
import type { States } from './states.js';
import type { CheckName, Finding, Note } from './types.js';

/**
 * What the next run, without a fault, made of a state a fault or crash left behind. With
 * `operator`, the next run stopped as the tool always does (see InherentStop), and this is what
 * the run after the operator's modelled action made of it.
 */
export type Recovery = (
  | { kind: 'converged' }
  | { kind: 'refused'; message: string; operatorAction: string }
  | { kind: 'failed'; statement?: Statement; error: PgError }
  /** `relaxed`: which values were compared by shape or up to renumbering, when any were. */
  | { kind: 'diverged'; diff: Difference[]; relaxed?: string }
) & { operator?: ModelledAction };

/** The operator's action a recovery modelled: the documented one, named in a finding. */
export interface ModelledAction {
  label: string;
  /** What to do about the set when no action recovered. */
  hint?: string;
}

/**
 * Runs the set again on `db` (consumed) and compares the result with the fresh state, trackers
 * included, without the values PostgreSQL makes anew in every run. States already seen give their
 * verdict again without running anything: they are known by everything the next run depends on
 * (StateHash.key, with sequence positions, and what runs made outside the database), so which
 * case reaches a state first never changes a verdict.
 */
export class Recoveries {
  readonly #seen = new Map<string, Promise<Recovery>>();
  /** Every stop the tool always makes that a run met, for the check's notes. */
  readonly #stops: InherentStop[] = [];

  constructor(private readonly states: States) {}

  /** `leftKey`: the left state's StateHash.key. */
  async recover(db: DatabaseHandle, leftKey: string): Promise<Recovery> {
    if (this.states.settings.reuse === false) return this.run(db);
    // Objects outside the database (a database the set created) are part of the state too.
    const key = `${leftKey}:${this.states.model.cluster?.key(db) ?? ''}`;
    let verdict = this.#seen.get(key);
    if (!verdict) {
      verdict = this.run(db);
      this.#seen.set(key, verdict);
    }
    return verdict;
  }

  get explored(): number {
    return this.#seen.size;
  }

  /**
   * A run on `db` that stopped as the tool always does after an earlier failure (the model says
   * which stops those are): noted, and each action an operator chooses between is applied to the
   * state the stop was met in before the tool runs again. The first that converges is the
   * recovery; when none does, the documented one (the first) is reported. Undefined when the stop
   * is the set's own. `db` is consumed.
   */
  async operate(db: DatabaseHandle, trace: Trace): Promise<Recovery | undefined> {
    if (trace.ok) return undefined;
    const { settings } = this.states;
    const stop = await this.states.model.inherentStop?.(this.states.set, db, trace, { runnerOptions: settings.runnerOptions, env: settings.env });
    if (!stop || stop.actions.length === 0) return undefined;
    this.#stops.push(stop);
    const operator: ModelledAction = { label: stop.actions[0]!.label, ...(stop.hint ? { hint: stop.hint } : {}) };
    const last = stop.actions.length - 1;
    // Each action starts from the state the stop was met in: a pristine copy for the others.
    const spare = last > 0 ? await this.#copy(db) : undefined;
    let documented: Recovery | undefined;
    try {
      for (const [i, action] of stop.actions.entries()) {
        const left = i === 0 ? db : i === last ? spare! : await this.#copy(spare!);
        const target = await action.apply(left, () => this.states.server.createDatabase());
        try {
          const recovery = await this.run(target, false);
          if (recovery.kind === 'converged') return { ...recovery, operator: { label: action.label } };
          documented ??= recovery;
        } finally {
          if (target !== left) await this.states.drop(target);
          if (left !== db && left !== spare) await this.states.drop(left);
        }
      }
    } finally {
      if (spare) await this.states.drop(spare);
    }
    return { ...documented!, operator };
  }

  /** The notes of what the tool always does: one per kind, the earliest in the plan. */
  notes(check: CheckName): Note[] {
    const kept = new Map<string, InherentStop>();
    for (const stop of this.#stops) {
      const other = kept.get(stop.kind);
      if (!other || stop.block < other.block || (stop.block === other.block && stop.message < other.message)) kept.set(stop.kind, stop);
    }
    return [...kept.values()]
      .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
      .map((stop) => ({ check, file: stop.file ? displayPath(stop.file) : null, message: stop.message, action: stop.action }));
  }

  async #copy(db: DatabaseHandle): Promise<DatabaseHandle> {
    const copy = await this.states.server.createDatabase({ template: db.name });
    await this.states.model.cluster?.copy(db, copy);
    return copy;
  }

  /** `operate`: whether a stop the tool always makes is met with the operator's action (not after that action itself). */
  private async run(db: DatabaseHandle, operate = true): Promise<Recovery> {
    const fresh = await this.states.fresh();
    const trace = await this.states.run(db);
    const operated = operate ? await this.operate(db, trace) : undefined;
    if (operated) return operated;
    if (trace.refusal) return { kind: 'refused', ...trace.refusal };
    if (trace.failure) {
      return { kind: 'failed', error: trace.failure.error, ...(trace.failure.statement ? { statement: trace.failure.statement } : {}) };
    }
    const comparison = await compareStates(this.states, db, fresh, { relaxed: true, trackers: true });
    if (comparison.equal) return { kind: 'converged' };
    const relaxed = relaxedNote(comparison.relaxed);
    return { kind: 'diverged', diff: comparison.diff, ...(relaxed ? { relaxed } : {}) };
  }
}


/** Where a case happened: a statement, or the migration's file when there is none. */
export interface CasePoint {
  statement?: Statement;
  migration?: Migration;
  /** e.g. "fault error before statement 2 of block 3". */
  label: string;
  /** Machine-readable description of the case, carried in JSON output. */
  details: Record<string, unknown>;
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0]!;
  return sql.includes('\n') ? `${line} …` : line;
}

/** A finding located at the case's point, about what the next run made of it. */
export function recoveryFinding(check: CheckName, point: CasePoint, recovery: Recovery, reproduce: string): Finding | null {
  if (recovery.kind === 'converged') return null;
  // After the operator's modelled action, it is that action's run the finding is about.
  const next = recovery.operator ? `after ${recovery.operator.label}: the run` : 'the next run';
  const base: Finding = {
    check,
    ...at(point.statement),
    // With no statement (an empty migration), the migration's file at least.
    file: point.statement ? displayPath(point.statement.file) : point.migration ? displayPath(point.migration.file) : null,
    sqlstate: null,
    message: '',
    hint: null,
    diff: null,
    reproduce,
    case: point.details,
  };
  switch (recovery.kind) {
    case 'refused':
      return {
        ...base,
        message: `${point.label}: ${next} refuses: ${recovery.message}`,
        hint: recovery.operatorAction,
        cause: { file: null, line: null, sqlstate: null, message: `${next} refuses: ${recovery.message}`, diff: null },
      };
    case 'failed': {
      // Where the server placed the error, not only where its statement starts.
      const place = recovery.statement ? errorAt(recovery.statement, recovery.error) : undefined;
      const where = place ? ` at ${place.file}:${place.line}:${place.column} (${firstLine(recovery.statement!.sql)})` : '';
      return {
        ...base,
        sqlstate: recovery.error.sqlstate,
        message: `${point.label}: ${next} fails${where}: ${recovery.error.message}`,
        hint: recovery.operator?.hint ?? hintFor(recovery.error.sqlstate, recovery.statement) ?? recovery.error.hint ?? null,
        cause: { file: place?.file ?? null, line: place?.line ?? null, sqlstate: recovery.error.sqlstate, message: `${next} fails: ${recovery.error.message}`, diff: null },
      };
    }
    case 'diverged': {
      const paths = recovery.diff.map((d) => d.path);
      return {
        ...base,
        message: `${point.label}: ${next} succeeds but leaves another state than a fresh run: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`,
        hint: recovery.operator?.hint ?? 'the migration is not safe to run again on what a partial run left: make it idempotent, or atomic',
        diff: recovery.diff,
        ...(recovery.relaxed ? { detail: recovery.relaxed } : {}),
        cause: { file: null, line: null, sqlstate: null, message: recovery.operator ? `after ${recovery.operator.label}` : null, diff: diffSignature(recovery.diff) },
      };
    }
  }
}
