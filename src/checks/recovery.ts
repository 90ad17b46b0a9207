import type { Migration, Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { PgError } from '../runners/types.js';
import type { Difference } from '../snapshot/types.js';
import { compareStates, relaxedNote } from './compare.js';
import { at, displayPath } from './findings.js';
import { hintFor } from './hints.js';
import type { States } from './states.js';
import type { CheckName, Finding } from './types.js';

/** What the next run, without a fault, made of a state a fault or crash left behind. */
export type Recovery =
  | { kind: 'converged' }
  | { kind: 'refused'; message: string; operatorAction: string }
  | { kind: 'failed'; statement?: Statement; error: PgError }
  /** `relaxed`: which values were compared by shape or up to renumbering, when any were. */
  | { kind: 'diverged'; diff: Difference[]; relaxed?: string };

/**
 * Runs the set again on `db` (consumed) and compares the result with the fresh state, trackers
 * included, without the values PostgreSQL makes anew in every run. States already seen give their
 * verdict again without running anything: they are known by everything the next run depends on
 * (StateHash.key, with sequence positions, and what runs made outside the database), so which
 * case reaches a state first never changes a verdict.
 */
export class Recoveries {
  readonly #seen = new Map<string, Promise<Recovery>>();

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

  private async run(db: DatabaseHandle): Promise<Recovery> {
    const fresh = await this.states.fresh();
    const trace = await this.states.run(db);
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
      return { ...base, message: `${point.label}: the next run refuses: ${recovery.message}`, hint: recovery.operatorAction };
    case 'failed': {
      const where = recovery.statement
        ? ` at ${displayPath(recovery.statement.file)}:${recovery.statement.line}:${recovery.statement.column} (${firstLine(recovery.statement.sql)})`
        : '';
      return {
        ...base,
        sqlstate: recovery.error.sqlstate,
        message: `${point.label}: the next run fails${where}: ${recovery.error.message}`,
        hint: hintFor(recovery.error.sqlstate, recovery.statement) ?? recovery.error.hint ?? null,
      };
    }
    case 'diverged': {
      const paths = recovery.diff.map((d) => d.path);
      return {
        ...base,
        message: `${point.label}: the next run succeeds but leaves another state than a fresh run: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`,
        hint: 'the migration is not safe to run again on what a partial run left: make it idempotent, or atomic',
        diff: recovery.diff,
        ...(recovery.relaxed ? { detail: recovery.relaxed } : {}),
      };
    }
  }
}
