import type { Statement } from '../migrations/types.js';
import type { PgError } from '../runners/types.js';
import type { Difference } from '../snapshot/types.js';
import { hintFor } from './hints.js';
import type { Cause, CheckName, Finding } from './types.js';

/** Where a finding points: the statement's file (absolute, as all paths until src/report/), line, column and text. */
export function at(statement: Statement | undefined): Pick<Finding, 'file' | 'line' | 'column' | 'statement'> {
  return {
    file: statement?.file ?? null,
    line: statement?.line ?? null,
    column: statement?.column ?? null,
    statement: statement?.sql ?? null,
  };
}

/**
 * Where a failed statement's error points: the place the server gave inside the statement (its
 * position, or the body line of a DO block) when it could be mapped to the file, else the
 * statement's start. The statement is shown whole either way.
 */
export function errorAt(statement: Statement | undefined, error: PgError): Pick<Finding, 'file' | 'line' | 'column' | 'statement'> {
  const place = error.place;
  if (!statement || !place || place.file !== statement.file) return at(statement);
  return { ...at(statement), line: place.line, column: place.column };
}

/**
 * The function the error was raised in, if it was: which definition ran is not in the files (so
 * it has no file place), but the server names the function and the line of its body.
 */
function routineOf(error: PgError): string | undefined {
  if (!error.where) return undefined;
  const line = error.where.split('\n').find((l) => /^(PL\/pgSQL|SQL) function /.test(l) && !l.includes('inline_code_block'));
  return line ? `raised in ${line}` : undefined;
}

/** A finding about a statement that failed. */
export function errorFinding(
  check: CheckName,
  failure: { statement?: Statement | undefined; error: PgError },
  reproduce: string,
  message?: string,
): Finding {
  const { statement, error } = failure;
  const where = errorAt(statement, error);
  return {
    check,
    ...where,
    sqlstate: error.sqlstate,
    message: message ?? error.message,
    detail: [error.detail, routineOf(error)].filter(Boolean).join('\n') || null,
    hint: hintFor(error.sqlstate, statement) ?? error.hint ?? null,
    diff: null,
    reproduce,
    cause: { file: where.file, line: where.line, sqlstate: error.sqlstate, message: error.message, diff: null },
  };
}

/** A finding about two states that should be equal and are not. */
export function stateFinding(
  check: CheckName,
  message: string,
  diff: Difference[],
  reproduce: string,
  where?: { statement?: Statement; place?: { line: number; column: number }; hint?: string },
): Finding {
  return {
    check,
    ...at(where?.statement),
    // A place inside the statement (the write in a DO block's body) is more exact than its start.
    ...(where?.statement && where.place ? where.place : {}),
    sqlstate: null,
    message,
    detail: null,
    hint: where?.hint ?? null,
    diff,
    reproduce,
    cause: { file: null, line: null, sqlstate: null, message: null, diff: diffSignature(diff) },
  };
}

/** A difference of states as a cause holds it: each path with its kind of change, values left out. */
export function diffSignature(diff: readonly Difference[]): string[] {
  return diff.map((d) => `${d.path} ${d.change}`);
}

/**
 * A finding's root cause: its own `cause`, else one read from its fields. Findings of a case begin
 * their message with the case's label and `: ` ("fault error before statement 2 of block 3 (in-txn):
 * the next run fails at …"); what follows names the failing statement and its error, or the
 * difference, the same for every case with that cause. The finding's file and line are the case's
 * point (where the fault was), so they are left out.
 */
export function causeOf(f: Finding): Cause {
  if (f.cause) return f.cause;
  const colon = f.case ? f.message.indexOf(': ') : -1;
  return {
    file: null,
    line: null,
    sqlstate: f.sqlstate,
    message: f.diff && f.diff.length > 0 ? null : colon >= 0 ? f.message.slice(colon + 2) : f.message,
    diff: f.diff && f.diff.length > 0 ? diffSignature(f.diff) : null,
  };
}

/** A database the server session made for one case (src/postgres/server.ts: `migtest_<pid>_<hex>_<n>…`). */
const CASE_DATABASE = /\bmigtest_\d+_[0-9a-f]{6}_\w*/g;

/**
 * Findings of one check's cases, given in the order the cases were enumerated, as one finding per
 * root cause (causeOf): the first case's finding, the smallest, with `cases` counting all of them.
 * Groups come in the order of their first case, so the result depends on the enumeration only, never
 * on the order in which parallel cases finished. Pure.
 */
export function groupFindings(findings: readonly Finding[]): Finding[] {
  return findingGroups(findings).map(({ index, cases }) => ({ ...findings[index]!, cases }));
}

/** The key two findings of one root cause share (causeOf), with case databases' names left out. */
export function causeKey(f: Finding): string {
  // Each case has databases of its own, which error messages may name: their names are no part of a cause.
  return JSON.stringify([f.check, causeOf(f)]).replace(CASE_DATABASE, 'migtest_…');
}

/** The groups of groupFindings, as the position of each group's first finding in `findings` and its case count. */
export function findingGroups(findings: readonly Finding[]): { index: number; cases: number }[] {
  const groups = new Map<string, { index: number; cases: number }>();
  findings.forEach((f, index) => {
    const key = causeKey(f);
    const group = groups.get(key);
    if (group) group.cases += f.cases ?? 1;
    else groups.set(key, { index, cases: f.cases ?? 1 });
  });
  return [...groups.values()];
}

/**
 * A finding with no statement to point at (a tool's refusal, a run that stops without a server
 * error); `file` when it is about one file as a whole.
 */
export function placelessFinding(check: CheckName, message: string, reproduce: string, cause: string, hint: string | null = null, file: string | null = null): Finding {
  return {
    check,
    file,
    line: null,
    column: null,
    statement: null,
    sqlstate: null,
    message,
    detail: null,
    hint,
    diff: null,
    reproduce,
    cause: { file, line: null, sqlstate: null, message: cause, diff: null },
  };
}
