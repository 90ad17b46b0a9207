import type { Difference } from '../snapshot/types.js';

export type CheckName = 'fresh' | 'twice' | 'resume' | 'fault' | 'retry' | 'down' | 'expected' | 'lint' | 'concurrent' | 'populated';

/** A check's verdict on one case. Fields follow the JSON contract of DESIGN.md. */
export interface Finding {
  check: CheckName;
  /** Absolute; a reporter shows it relative to the current directory (src/report/paths.ts). */
  file: string | null;
  line: number | null;
  column: number | null;
  /** The statement's text (the first line of it in text output). */
  statement: string | null;
  sqlstate: string | null;
  /** Paths in it are marked (src/checks/paths.ts) and shown by the reporter; so in hint, reproduce, notes and reasons. */
  message: string;
  detail?: string | null;
  hint: string | null;
  /** Structured snapshot differences, if the finding is about states. */
  diff: Difference[] | null;
  /** The exact command that reproduces the finding. */
  reproduce: string;
  /**
   * For property-based checks: the case (fault kind, block, boundary, migration; for `retry`, tries
   * and waits), as JSON output carries it. Written for the reader; the checks read the typed fields
   * below, never this record.
   */
  case?: Record<string, unknown>;
  /**
   * Where what broke is, when not at the finding's own place: for a recovery, the statement the
   * next run fails at (the finding itself is located at the fault).
   */
  blame?: Place;
  /** For a `lint` finding: its rule and where execution would show it (JSON: `case.rule`, `case.expects`, …). */
  rule?: RuleMark;
  /**
   * Check `populated`: the generated rows the case put in before the migrations failed, as INSERT
   * statements a user can paste (shrunk to the few that matter).
   */
  rows?: string[];
  /** Which case a finding came from, for a check that counts its findings by it (retry's lost acks per migration). */
  scope?: CaseScope;
  /**
   * How many cases ended in this same finding (same file, line, SQLSTATE, or the same difference):
   * they are reported once, with the smallest case's reproduce command. Absent means 1.
   */
  cases?: number;
  /**
   * What the finding's cases have in common beyond where each case was (see Cause). Set by whoever
   * makes the finding; without it, grouping derives one from the other fields (src/checks/grouping.ts).
   */
  cause?: Cause;
}

/** A line of a file. */
export interface Place {
  file: string;
  line: number;
}

/** What pairing a lint finding with the checks that ran the set needs of it (src/checks/lint.ts). */
export interface RuleMark {
  /** The rule's id, e.g. `insert-without-on-conflict`. */
  id: string;
  /** The SQLSTATE the rule predicts execution meets, when it predicts one. */
  expects?: string;
  /** The last line of the statement (or text) the finding is on: it covers `line` to `endLine`. */
  endLine: number;
  /** The statement's position in plan order, when the finding is on a statement. */
  order?: number;
  /** Where the rule says execution shows the problem, when that is another place. */
  effect?: Place;
}

/** The case a finding came from: its family (retry: schedule, reset, exhaust, ack-lost) and migration. */
export interface CaseScope {
  family: string;
  migration: string | null;
}

/**
 * The root cause of a finding: cases of one check whose causes are equal are one finding. It holds
 * what a maintainer fixes (the statement that fails and its error, or the difference a re-run leaves),
 * never what tells one case from another (the fault's boundary, the crash point, a case label).
 */
export interface Cause {
  /** The statement whose error ends the case (for a recovery: the one the next run fails at). */
  file: string | null;
  line: number | null;
  sqlstate: string | null;
  /** The error's message; null for a difference of states. */
  message: string | null;
  /** A difference of states: each object's path and kind of change, e.g. `data:public.t changed`. */
  diff: string[] | null;
}

/**
 * What the real tool always does after any failure, whatever the files say (a dirty version that
 * refuses every run, a bootstrap that no SQL can guard): not a defect of the set, so not a finding. It is
 * reported once per check with the action an operator takes, and the check models that action.
 */
export interface Note {
  check: CheckName;
  /** Absolute (shown by the reporter), or null when the note is about the whole set. */
  file: string | null;
  message: string;
  /** What an operator does about it (e.g. `migrate force 2`, then `migrate up`). */
  action: string;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: CheckName;
  /** Major version of the server the check ran on. */
  postgres: string;
  status: CheckStatus;
  cases: number;
  durationMs: number;
  findings: Finding[];
  /** Why it was skipped, or (status fail, no case run) why it could not run. */
  reason?: string;
  /** What the tool always does, whatever the files say: reported, never a failure (see Note). */
  notes?: Note[];
  /** What a check reports beyond findings, e.g. `retry`: the policy, and the tries and waits of every case. */
  details?: Record<string, unknown>;
  /** With `--changed-since`: findings in files the change did not touch, left out of `findings`. */
  unreported?: number;
}

/** The JSON contract of DESIGN.md. */
export interface RunReport {
  ok: boolean;
  tool: 'migtest';
  version: string;
  /** The set's folder: absolute in the core, shown from the current directory by the reporters. */
  set: string;
  runner: string;
  postgres: string[];
  /** Present when the run was one shard of several (`--shard index/count`). */
  shard?: Shard;
  /** With `--changed-since REF`: the ref, and how many files of the set changed since it. */
  changedSince?: { ref: string; files: number };
  checks: CheckResult[];
}

import type { MigrationSet } from '../migrations/types.js';
import type { RetryPolicy } from '../runners/retry.js';
import type { RunnerModel } from '../runners/types.js';
import type { Server } from '../postgres/types.js';
import type { States } from './states.js';

export interface CheckOptions {
  seed?: number;
  runs?: number;
  exhaustive?: boolean;
  /** Check `concurrent`: how many replicas run the set at the same moment (`--replicas`, default 2). */
  replicas?: number;
  /** Check `populated`: generated rows per table (`--rows`, default 5). */
  rows?: number;
  /** fast-check's counterexample path, to replay one shrunk case with `seed`. */
  path?: string;
  /** `--shard i/n`: this machine runs shard `index` (1-based) of `count`; see explore.ts for how cases are split. */
  shard?: Shard;
  /**
   * `--direction down`: `fault` and `resume` run over the tool's rollback, one down section at a
   * time, instead of the ups (src/checks/down-faults.ts). Default `up`.
   */
  direction?: 'up' | 'down';
  /** Fault kinds the `fault` check injects (default error and terminate). */
  faults?: ('error' | 'terminate' | 'crash')[];
  /** With `--tool`: the fault kinds the proxy injects in check `fault` (default error, terminate and ack-lost). */
  toolFaults?: ('error' | 'terminate' | 'ack-lost')[];
  /**
   * The retry policy runs use (`--retry`, a scenario's `retry`, else the tool's own default,
   * RunnerModel.retry); set by runChecks. The `retry` check injects its faults under it.
   */
  retry?: RetryPolicy;
  /** The expected-schema folder of check `expected` (`--expected`); default `expected-schema/` beside the set. */
  expected?: string;
  /** What check `expected` leaves out of the comparison (`--ignore`). */
  ignore?: ('column-order' | 'owners' | 'privileges')[];
}

export interface Shard {
  index: number;
  count: number;
}

/** What every check gets: the set, how it runs, where, and the states reached so far. */
export interface CheckContext {
  set: MigrationSet;
  model: RunnerModel;
  server: Server;
  states: States;
  options: CheckOptions;
  /** The command line that reproduces one check on this set (`extra`: e.g. `--seed 1 --path 0:1`). */
  reproduce(check: CheckName, extra?: string[]): string;
  /** Told as cases finish, for a progress line on a terminal. */
  progress?(done: number, total: number): void;
}

export interface CheckOutcome {
  status: CheckStatus;
  cases: number;
  findings: Finding[];
  reason?: string;
  notes?: Note[];
  details?: Record<string, unknown>;
}

export interface Check {
  name: CheckName;
  /** One line for `--help` and docs. */
  summary: string;
  run(context: CheckContext): Promise<CheckOutcome>;
  /** Checks the check's own input before any server starts; throws InputError (exit 2). */
  prepare?(set: MigrationSet, options: CheckOptions, run: { runner: string; runnerOptions: Record<string, string>; postgres: number[] }): void;
}
