import type { Migration, Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { InherentStop, PgError, Trace } from '../runners/types.js';
import { tableOf, type Difference } from '../snapshot/types.js';
import { compareStates, relaxedNote } from './compare.js';
import { at, diffSignature, errorAt } from './findings.js';
import { pathIn } from './paths.js';
import { hintFor } from './hints.js';
import type { State, States } from './states.js';
import type { CaseScope, CheckName, Finding, Note } from './types.js';
import { writersOf, type Writer } from './writer.js';
import { verifyFinding, type VerifyFailure } from './verify.js';

/**
 * What the next run, without a fault, made of a state a fault or crash left behind. With
 * `operator`, the next run stopped as the tool always does (see InherentStop), and this is what
 * the run after the operator's modelled action made of it.
 */
export type Recovery = (
  | { kind: 'converged' }
  | { kind: 'refused'; message: string; operatorAction: string }
  | { kind: 'failed'; statement?: Statement; error: PgError }
  /**
   * `relaxed`: which values were compared by shape or up to renumbering, when any were.
   * `writers`: for a recovery run with attribution (`recover(…, { attribute: true })`), the
   * statement of the run that wrote each differing table (qualified name) it could settle.
   */
  | { kind: 'diverged'; diff: Difference[]; relaxed?: string; writers?: Map<string, Writer> }
  /** The run converged, and --verify statements do not hold on the state it left. */
  | { kind: 'unverified'; failures: VerifyFailure[] }
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

  /**
   * `leftKey`: the left state's StateHash.key. With `attribute`, a data difference also gets the
   * statement of the run that wrote it (src/checks/writer.ts): that costs a copy of the left state
   * and about two more runs, so it is asked only for a case whose finding is reported, run again
   * (CaseSpace.attribute), and its verdict is not shared with other cases.
   */
  async recover(db: DatabaseHandle, leftKey: string, options: { attribute?: boolean } = {}): Promise<Recovery> {
    if (options.attribute) return this.run(db, true, true);
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
  async operate(db: DatabaseHandle, trace: Trace, attribute = false): Promise<Recovery | undefined> {
    if (trace.ok) return undefined;
    const stop = await this.states.model.inherentStop?.(this.states.plan, db, trace);
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
        const target = await action.apply(left, () => this.states.emptyAfter(left));
        try {
          const recovery = await this.run(target, false, attribute);
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
      .map((stop) => ({ check, file: stop.file ?? null, message: stop.message, action: stop.action }));
  }

  #copy(db: DatabaseHandle): Promise<DatabaseHandle> {
    return this.states.copyDatabase(db);
  }

  /**
   * `operate`: whether a stop the tool always makes is met with the operator's action (not after
   * that action itself). `attribute`: whether a data difference is traced to its writer.
   */
  private async run(db: DatabaseHandle, operate = true, attribute = false): Promise<Recovery> {
    const fresh = await this.states.fresh();
    // The state the run starts from, for the writer search to start from too.
    const start = attribute ? await this.#copy(db) : undefined;
    try {
      const trace = await this.states.run(db);
      const operated = operate ? await this.operate(db, trace, attribute) : undefined;
      if (operated) return operated;
      if (trace.refusal) return { kind: 'refused', ...trace.refusal };
      if (trace.failure) {
        return { kind: 'failed', error: trace.failure.error, ...(trace.failure.statement ? { statement: trace.failure.statement } : {}) };
      }
      const comparison = await compareStates(this.states, db, fresh, { relaxed: true, trackers: true });
      if (comparison.equal) {
        const failures = await this.states.verify(db);
        return failures.length === 0 ? { kind: 'converged' } : { kind: 'unverified', failures };
      }
      const relaxed = relaxedNote(comparison.relaxed);
      const writers = start ? await this.#writers(start, fresh, comparison.diff) : undefined;
      return { kind: 'diverged', diff: comparison.diff, ...(relaxed ? { relaxed } : {}), ...(writers && writers.size > 0 ? { writers } : {}) };
    } finally {
      if (start) await this.states.drop(start);
    }
  }

  /**
   * The statement of the run from `start` that wrote each differing table, comparing rows as the
   * recovery was compared with `fresh`. Undefined when there is no data difference, or when the
   * search could not run: the difference stands, only its attribution is missing.
   */
  async #writers(start: DatabaseHandle, fresh: State, diff: Difference[]): Promise<Map<string, Writer> | undefined> {
    const tables = diff.filter((d) => d.path.startsWith('data:')).map((d) => tableOf(d));
    if (tables.length === 0) return undefined;
    try {
      const relaxation = this.states.settings.relaxed === false ? undefined : (await this.states.relaxedReference(fresh)).relaxation;
      return await writersOf(this.states, { copy: () => this.#copy(start), ...(relaxation ? { relaxation } : {}) }, tables);
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether a finding may get a writer from a run with attribution: it holds a data difference. (A
 * finding about what the faulted run itself left gets the same verdict again, and no writer.)
 */
export function hasDataDifference(finding: Finding): boolean {
  return (finding.diff ?? []).some((d) => d.path.startsWith('data:'));
}

/** Where a case happened: a statement, or the migration's file when there is none. */
export interface CasePoint {
  statement?: Statement;
  migration?: Migration;
  /** e.g. "fault error before statement 2 of block 3". */
  label: string;
  /** Machine-readable description of the case, carried in JSON output. */
  details: Record<string, unknown>;
  /** What the run after the case is called in a finding: `the next run` unless said (the retry check's `the retried run`). */
  run?: string;
  /** Which case this is, for a check that counts its findings by it (Finding.scope). */
  scope?: CaseScope;
}

function firstLine(sql: string): string {
  const line = sql.split('\n')[0]!;
  return sql.includes('\n') ? `${line} …` : line;
}

/** A finding located at the case's point, about what the next run made of it. */
export function recoveryFinding(check: CheckName, point: CasePoint, recovery: Recovery, reproduce: string): Finding | null {
  if (recovery.kind === 'converged') return null;
  // After the operator's modelled action, it is that action's run the finding is about.
  const next = recovery.operator ? `after ${recovery.operator.label}: the run` : (point.run ?? 'the next run');
  const base: Finding = {
    check,
    ...at(point.statement),
    // With no statement (an empty migration), the migration's file at least.
    file: point.statement?.file ?? point.migration?.file ?? null,
    sqlstate: null,
    message: '',
    hint: null,
    diff: null,
    reproduce,
    case: point.details,
    ...(point.scope ? { scope: point.scope } : {}),
  };
  switch (recovery.kind) {
    case 'unverified':
      return unverifiedFinding(check, point, recovery.failures, next, reproduce);
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
      const where = place ? ` at ${pathIn(place.file!)}:${place.line}:${place.column} (${firstLine(recovery.statement!.sql)})` : '';
      // What broke is the statement the next run fails at, not the case's point. (Blame is kept to
      // the plain next run, as the pairing with lint has always read it: not a run after an
      // operator's action, nor the retry check's retried run.)
      const blamed = place?.file && place.line !== null && !recovery.operator && point.run === undefined;
      return {
        ...base,
        ...(blamed ? { blame: { file: place.file!, line: place.line! } } : {}),
        sqlstate: recovery.error.sqlstate,
        message: `${point.label}: ${next} fails${where}: ${recovery.error.message}`,
        hint: recovery.operator?.hint ?? hintFor(recovery.error.sqlstate, recovery.statement) ?? recovery.error.hint ?? null,
        cause: { file: place?.file ?? null, line: place?.line ?? null, sqlstate: recovery.error.sqlstate, message: `${next} fails: ${recovery.error.message}`, diff: null },
      };
    }
    case 'diverged': {
      const paths = recovery.diff.map((d) => d.path);
      const written = writtenBy(recovery);
      return {
        ...base,
        // What the maintainer fixes is the statement that wrote the difference; where the case was stays in `case`.
        ...(written ? { ...written.at, case: { ...point.details, point: { file: base.file, line: base.line, column: base.column } } } : {}),
        message: `${point.label}: ${next} succeeds but leaves another state than a fresh run: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}${written?.text ?? ''}`,
        hint: recovery.operator?.hint ?? 'the migration is not safe to run again on what a partial run left: make it idempotent, or atomic',
        diff: recovery.diff,
        ...(recovery.relaxed ? { detail: recovery.relaxed } : {}),
        // The writer is left out: it is searched for only in the cases reported, after grouping.
        cause: { file: null, line: null, sqlstate: null, message: recovery.operator ? `after ${recovery.operator.label}` : null, diff: diffSignature(recovery.diff) },
      };
    }
  }
}

/**
 * A recovery that converged to a state the --verify statements fail on: located at the first
 * failing verify statement (what states the broken invariant), the case kept in `case`.
 */
export function unverifiedFinding(check: CheckName, point: CasePoint, failures: VerifyFailure[], next: string, reproduce: string): Finding {
  const [first, ...more] = failures;
  const others = more.length > 0 ? ` (and ${more.length} more verify statement${more.length === 1 ? '' : 's'})` : '';
  return verifyFinding(check, first!, `the state ${next} leaves after ${point.label}${others}`, reproduce, {
    case: point.details,
    ...(point.scope ? { scope: point.scope } : {}),
  });
}

/**
 * Where the writers of a diverged recovery's data differences are: the finding's place (the writer
 * of the first differing table that has one; in a DO block, the write in its body) and the words
 * that name each writer.
 */
function writtenBy(recovery: Extract<Recovery, { kind: 'diverged' }>): { at: Pick<Finding, 'file' | 'line' | 'column' | 'statement'>; text: string } | undefined {
  const writers = recovery.writers;
  if (!writers || writers.size === 0) return undefined;
  const named = recovery.diff.flatMap((d) => {
    const writer = d.path.startsWith('data:') ? writers.get(tableOf(d)) : undefined;
    return writer ? [{ path: d.path, writer }] : [];
  });
  if (named.length === 0) return undefined;
  const place = (w: Writer): string => {
    const { line, column } = w.inBody ?? w.statement;
    return `${pathIn(w.statement.file)}:${line}:${column}${w.inBody ? ` inside the DO block at line ${w.statement.line}` : ''}`;
  };
  const byPlace = new Map<string, string[]>();
  for (const n of named) byPlace.set(place(n.writer), [...(byPlace.get(place(n.writer)) ?? []), n.path]);
  const text =
    byPlace.size === 1
      ? `, written by ${[...byPlace.keys()][0]}`
      : `, written by ${[...byPlace].map(([where, paths]) => `${where} (${paths.join(', ')})`).join('; ')}`;
  const first = named[0]!.writer;
  return { at: { ...at(first.statement), ...(first.inBody ?? {}) }, text };
}
