import type { ErrorPlace } from '../migrations/locate.js';
import type { Migration, MigrationSet, Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { Fault } from '../faults/types.js';
import type { Clock, RetryPolicy } from './retry.js';

/**
 * How the statements of a block run:
 * - `in-txn`: one transaction around all of them;
 * - `no-txn`: each statement on its own, autocommitted;
 * - `script`: the whole text as one simple-query string, so PostgreSQL's implicit-transaction
 *   rules apply (one implicit transaction unless the text holds its own BEGIN/COMMIT).
 */
export type TxnRule = 'in-txn' | 'no-txn' | 'script';

export interface Block {
  /** 0-based position in the plan. */
  index: number;
  rule: TxnRule;
  /** The migrations whose statements this block runs, in order. */
  migrations: Migration[];
  /** Every statement of the block, in execution order. */
  statements: Statement[];
  /** For `script` blocks: the exact text sent. */
  text?: string;
  /**
   * For a block that only writes the tracker row of `record`, apart from the block that ran it:
   * the migration it records (its `migrations` are empty, since it runs none of their statements).
   * A crash before it leaves that migration applied and unrecorded, so the next run applies it again.
   */
  record?: Migration;
}

/**
 * What a runner model makes of a set, once per run: its blocks, and the set they come from. Every
 * run and replay of the model gets the plan (RunnerModel.run), so nothing is planned twice; a
 * model that reads runner options keeps what it made of them in its own extension of Plan.
 */
export interface Plan {
  runner: string;
  /** The set planned. */
  set: MigrationSet;
  blocks: Block[];
  /**
   * For a model whose tracker depends on its runner options: the tracker this plan's runs keep,
   * null for none (every run executes every migration). Absent: the model's own `tracker`. Read it
   * through `trackerOf` (src/runners/tracker.ts).
   */
  tracker?: TrackerSpec | null;
}

export type StatementOutcome =
  | { status: 'ok'; statement: Statement }
  | { status: 'error'; statement: Statement; error: PgError }
  /** The statement never ran because an earlier one in the same block failed. */
  | { status: 'skipped'; statement: Statement };

/** An error as the server reported it. */
export interface PgError {
  sqlstate: string;
  message: string;
  detail?: string;
  hint?: string;
  /** Where the server placed the error: a 1-based character of the text it received, if it did. */
  position?: number;
  /** The server's context lines, innermost first (e.g. "PL/pgSQL function inline_code_block line 5 at …"). */
  where?: string;
  /** For an error in a query that a function or DO block ran: that query, and a 1-based character in it. */
  internalQuery?: string;
  internalPosition?: number;
  /** Where in its file the error points, when the server's position or PL/pgSQL's line could be mapped. */
  place?: ErrorPlace;
}

export interface BlockTrace {
  block: Block;
  outcomes: StatementOutcome[];
  /**
   * How many leading statements' effects persist after the block ended: all of them when it
   * committed, 0 when an in-txn block rolled back, those up to the last COMMIT of a failed script.
   */
  durable: number;
  /** The error that ended the block, if one did. */
  error?: PgError;
  /** The fault injected in this block, if any. */
  fault?: Fault;
  /** Whether the error that ended the block came from the injected fault. */
  faulted?: boolean;
  /** Index of the statement that failed, or of the boundary where the fault fired. */
  failedAt?: number;
  /** The error is an `ack-lost` fault: statement `failedAt` (the COMMIT at the block's length) committed first. */
  ackLost?: boolean;
  /**
   * With a retry policy (RunOptions.retry): how many times the block was tried, 1 when its first
   * try succeeded. For a block retried statement by statement (`RetrySemantics.noTxnByStatement`), 1 plus every retry
   * of its statements.
   */
  tries?: number;
  /** With a retry policy: the waits before each retry of the block, in milliseconds, in order. */
  waitsMs?: number[];
  /** With a retry policy: the SQLSTATE of each failed try, in order. */
  tryErrors?: string[];
  /** For a block retried statement by statement: the tries of each statement that failed at least once. */
  statementTries?: StatementTries[];
}

/**
 * The tries of one retry unit inside a block: the statements from `statement` on, which every
 * retry resumed at (the statement that failed, or the explicit BEGIN it failed inside).
 */
export interface StatementTries {
  /** 0-based index in the block of the statement the tries started at. */
  statement: number;
  /** Tries at this statement: its failures, plus 1 if a try finally got past it. */
  tries: number;
  waitsMs: number[];
  /** The SQLSTATE of each failed try. */
  errors: string[];
}

/** What one run of a plan did, statement by statement. */
export interface Trace {
  blocks: BlockTrace[];
  ok: boolean;
  /** The first error that stopped the run. */
  failure?: { block: Block; statement?: Statement; error: PgError; faulted?: boolean; ackLost?: boolean };
  /** For a refusal by the tool itself (not a server error), e.g. a dirty version it will not run over. */
  refusal?: Refusal;
  /** With a retry policy: the policy and the time spent waiting between tries, on the run's clock. */
  retry?: { policy: string; waitedMs: number; runs?: number };
}

/** A tool's refusal to run, in its own words, and what its operator does about it. */
export interface Refusal {
  message: string;
  operatorAction: string;
}

/**
 * A stop the real tool makes after an earlier failure whatever the files say: a dirty version that
 * refuses every run, a `CREATE DATABASE` that ran but was never recorded (PostgreSQL has no
 * `IF NOT EXISTS` for it). No change to the set can avoid it, so a check reports it as a note with
 * the operator's action, models that action, and reports a finding only when the recovery fails
 * or ends in another state than a fresh run. A stop the files cause (a changed file's hash) is
 * not one of these: the model does not return it.
 */
export interface InherentStop {
  /** Notes are kept once per kind and check, e.g. `<tool>:dirty-version`. */
  kind: string;
  /** The migration file the stop is about (absolute, as in the set), if any. */
  file: string | null;
  /** The block of that file: of several stops of one kind, a check notes the earliest. */
  block: number;
  /** What the tool did, in its words, and why it is no defect of the set. */
  message: string;
  /** What the operator does, as the note prints it. */
  action: string;
  /**
   * The actions an operator chooses between once they looked at the database, the documented one
   * first. A check applies each to the state the stop was met in and runs the tool again; the
   * recovery holds when one of them converges to the fresh state.
   */
  actions: OperatorAction[];
  /** What to do about the set when no action recovers (the finding's hint). */
  hint?: string;
}

export interface OperatorAction {
  /** How a finding names it: "`migrate force 2` and `migrate up`". */
  label: string;
  /**
   * Does to `db` what the operator does before running the tool again, and gives the database the
   * tool then runs on: `db` itself, or (when the action drops the database the case's database
   * plays, as a `dropdb` of the default database does) a new empty one from `scratch()`, which the caller drops.
   */
  apply(db: DatabaseHandle, scratch: () => Promise<DatabaseHandle>): Promise<DatabaseHandle>;
}

/** Runner options given in a scenario or with `--runner-option name=value`. */
export type RunnerOptions = Record<string, string>;

export interface RunOptions {
  /** Faults to inject: at most one per block. */
  faults?: Fault[];
  /**
   * Start at block `from` of the plan: the database already holds the state this very run had
   * reached after blocks < from (a copy of a kept state), so the run goes on as the tool would.
   */
  from?: number;
  /** Stop cleanly before block `until` (the state "before block k", kept as a template). */
  until?: number;
  /**
   * The retry policy (`--retry`, a scenario's `retry`). Absent: one try, whatever the tool's own
   * default (callers resolve that default: see `effectiveRetry` in src/runners/retry.ts). A model
   * with `retry` semantics applies it its own way; any other model is run again as a
   * supervisor would (`runWithRetries` in src/runners/sequence.ts).
   */
  retry?: RetryPolicy;
  /** Where the waits between tries happen; a real clock when absent. Checks pass a virtual one. */
  clock?: Clock;
  /**
   * Awaited at each block boundary of the run, with the index of the block about to run, and once
   * more after the last block if every block succeeded (its index + 1): a caller that reads the
   * state between blocks, the tool's own setup (its tracker table) done. Check down reads every
   * migration's state in one run.
   */
  atBoundary?: (next: number) => Promise<void>;
}

/**
 * How a tool retries by itself (a retry policy of its own). A model without it has no retries of its
 * own: a policy given for it models a supervisor that runs the tool again after a failure.
 */
export interface RetrySemantics {
  /** The policy the tool uses when none is given. */
  defaultPolicy: string;
  /**
   * The environment variable the tool reads its policy from, if it has one, and how it
   * parses it: when set, the tool's policy instead of `defaultPolicy`. A policy given to migtest
   * (`--retry`, a scenario's `retry`) still wins.
   */
  environment?: { variable: string; parse(value: string): RetryPolicy };
  /** A no-txn block is retried from the statement that failed (or its explicit BEGIN), not whole. */
  noTxnByStatement: boolean;
  /** A lost connection ends the run at once: the tool cannot retry on it. */
  lostConnectionEndsRun: boolean;
  /**
   * How to take work out of a block the tool retries whole, in the words of its files: said when
   * a COMMIT of the block's own made earlier work durable, so that a retry runs it again.
   */
  separate?: string;
}

/**
 * The execution semantics of one real migration tool. `P`: the model's plan, which holds what the
 * model made of its runner options (Plan itself for a model without options); `run`, `replay` and
 * `inherentStop` get the plan `plan` made.
 */
export interface RunnerModel<P extends Plan = Plan> {
  name: string;
  /** The folder format this model reads. */
  format: MigrationSet['format'];
  /** One line for `--help` and docs. */
  summary: string;
  /** Whether the tool keeps a tracker table (if not, every run executes every migration). */
  tracker?: TrackerSpec;
  /** Plans the set under the runner options; refuses an unknown or malformed option (InputError). */
  plan(set: MigrationSet, options?: RunnerOptions): P;
  /** The runner options this model accepts, with a line each for --help and errors. */
  options?: Record<string, string>;
  /** Runs what the tool would run now on `db` (a second run of a tracking tool skips applied work). */
  run(plan: P, db: DatabaseHandle, options?: RunOptions): Promise<Trace>;
  /**
   * Optional. Applies the first `count` statements of `block` to `db` the way the tool sends them
   * (its connections, COPY data, cluster-level mapping) without touching its tracker: the state a
   * no-txn block must leave after a fault. Without it, the statements go plainly to `db`.
   */
  replay?(plan: P, db: DatabaseHandle, block: Block, count: number): Promise<void>;
  /** Optional: for models whose runs make objects outside the case's database (a bootstrap's databases and roles). */
  cluster?: ClusterObjects;
  /** Optional: the tool's own retries. */
  retry?: RetrySemantics;
  /**
   * Optional. Whether a run that stopped on `db` (`trace` refused or failed) stopped the way the
   * tool always does after an earlier failure, whatever the files say; undefined when the stop is
   * the set's own doing, which checks report as a finding. Reads `db`, changes nothing.
   */
  inherentStop?(plan: P, db: DatabaseHandle, trace: Trace): Promise<InherentStop | undefined>;
  /**
   * Optional: the tool's one-step rollback (e.g. `migrate down 1`).
   * A model without it stands for a tool without down migrations: check `down` is skipped.
   */
  down?: DownSemantics<P>;
  /**
   * Optional: the lock the tool takes so that two of its processes never migrate one database at
   * once (a session-level advisory lock held for the whole run). Absent: the tool takes none, and
   * replicas that start at the same moment run side by side. Check `concurrent` takes it for each
   * replica on the first connection the run makes (the one a tool of one connection migrates on),
   * before the run's first statement, and gives it back after.
   */
  lock?: RunLock<P>;
}

/** A lock a tool holds for a whole run, as check `concurrent` takes it for each replica. */
export interface RunLock<P extends Plan = Plan> {
  /** What the tool does, in a line, with where that comes from (docs/runners/<tool>.md has the rest). */
  summary: string;
  /** The statement that waits until the lock is free and takes it, for a run of `plan` on `db`. */
  acquire(plan: P, db: DatabaseHandle): string;
  /** The statement that gives it back at the end of the run. */
  release(plan: P, db: DatabaseHandle): string;
}

/**
 * Objects that runs made for a case's database outside it: databases and roles belong to the whole
 * server, so a copy of the case's database (CREATE DATABASE … TEMPLATE) does not carry them. Whoever
 * copies or drops a case's database tells the model, so that a copy gets its own and none is left.
 */
export interface ClusterObjects {
  /** `to` was just made as a copy of `from`: give it a copy of what runs made for `from`. */
  copy(from: DatabaseHandle, to: DatabaseHandle): Promise<void>;
  /** `db` is about to be dropped (or the run is over): drop what runs made for it. */
  release(db: DatabaseHandle): Promise<void>;
  /** Names of the databases that runs made for `db` and that exist now. */
  databases(db: DatabaseHandle): string[];
  /**
   * What runs made for `db` outside it, as a text that is equal for equal cluster-level states
   * (whatever the case): two cases whose databases have the same snapshot are the same state only
   * if their keys are equal too (e.g. a crash before or after the bootstrap's CREATE DATABASE).
   */
  key(db: DatabaseHandle): string;
}

/** The table a tool keeps its record in, kept apart from the schema in snapshots. */
export interface TrackerSpec {
  schema: string;
  table: string;
  /** Columns whose values differ from run to run (applied_at, durations): left out of snapshots. */
  volatile?: string[];
}

/**
 * A tool's one-step rollback, as check `down` drives it: each step undoes the newest migration the
 * tracker of `db` records, runs its down section the way the tool sends it and updates the tracker
 * as the tool does.
 */
export interface DownSemantics<P extends Plan = Plan> {
  /** The command an operator runs for one step, as findings name it (`migrate down 1`). */
  command: string;
  /** One step; `options.faults` fire in the down section's block (index DOWN_BLOCK). */
  step(plan: P, db: DatabaseHandle, options?: DownStepOptions): Promise<DownTrace>;
  /**
   * The block the tool sends `migration`'s down section as (rule and statements, index DOWN_BLOCK):
   * where faults can fire and what a failure half-way leaves. Undefined without a down section.
   */
  block(plan: P, migration: Migration): Block | undefined;
  /**
   * What an operator chooses between when the step refuses after a failed one (a dirty version),
   * the documented way first; absent when the tool never refuses so.
   */
  recoveries?(plan: P, migration: Migration): DownRecovery[];
  /**
   * The statements of the section's block (indexes) that run a second time when a step stops
   * half-way and the next one, after the documented way out, runs the section again: every one when
   * the tool records the step apart from the section, none when they share one transaction.
   */
  runsAgain?(plan: P, migration: Migration): number[];
}

/** The index of a down section's block: no block of the plan has it. */
export const DOWN_BLOCK = -1;

export interface DownStepOptions {
  faults?: Fault[];
}

/** An operator's way out of a refused step down (`migrate force V`), and whether the step then runs again. */
export interface DownRecovery {
  label: string;
  apply(db: DatabaseHandle): Promise<void>;
  /** Run the step again after `apply` (the down did not happen), or not (it did). */
  again: boolean;
}

/** What one step of a rollback did. */
export interface DownTrace {
  /** The migration the step undid (or failed to undo); absent when the tracker recorded none. */
  migration?: Migration;
  ok: boolean;
  /** The statement of the down section that failed, and its error; `faulted` when it was an injected fault. */
  failure?: { statement?: Statement; error: PgError; faulted?: boolean };
  /** The tool refused to step down (a dirty version, nothing to roll back). */
  refusal?: Refusal;
  /**
   * The migration has no down to run (no `.down.sql` file, an empty section), and what the tool
   * does instead: a down that then leaves the migration's objects behind is this file's defect.
   */
  missing?: string;
}
