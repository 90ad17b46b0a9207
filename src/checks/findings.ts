import { relative } from 'node:path';
import type { Statement } from '../migrations/types.js';
import type { PgError } from '../runners/types.js';
import type { Difference } from '../snapshot/types.js';
import { hintFor } from './hints.js';
import type { CheckName, Finding } from './types.js';

/** A path as a person types it: relative to the current directory. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

/** Where a finding points: the statement's file (as a person types it), line, column and text. */
export function at(statement: Statement | undefined): Pick<Finding, 'file' | 'line' | 'column' | 'statement'> {
  return {
    file: statement ? displayPath(statement.file) : null,
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
  return {
    check,
    ...errorAt(statement, error),
    sqlstate: error.sqlstate,
    message: message ?? error.message,
    detail: [error.detail, routineOf(error)].filter(Boolean).join('\n') || null,
    hint: hintFor(error.sqlstate, statement) ?? error.hint ?? null,
    diff: null,
    reproduce,
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
  };
}
