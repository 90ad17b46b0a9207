import { pathIn } from './paths.js';
import type { Cause, CheckName, Finding } from './types.js';
import type { VerifyFailure } from './verify-run.js';

export { verifyState, type VerifyFailure } from './verify-run.js';

/* The findings a failing --verify statement makes; running the statements is src/checks/verify-run.ts. */

export function verifyText(failure: VerifyFailure): string {
  const { statement } = failure;
  const where = `${pathIn(statement.file)}:${statement.line}`;
  if (failure.error) return `verify ${where} fails: ${failure.error.sqlstate} ${failure.error.message}`;
  const rows = failure.rows === 1 ? 'it returns false' : `${failure.notTrue} of its ${failure.rows} rows are not true`;
  return `verify ${where} does not hold: ${rows}`;
}

const VERIFY_HINT = 'a --verify statement states what must hold after the set: change the migrations so that this state keeps it (or the statement, if it asks too much)';

/**
 * The finding of one verify statement that did not hold on a state `check` reached; `state`
 * says which, e.g. `the fresh state`, `the state after a second run`.
 */
export function verifyFinding(check: CheckName, failure: VerifyFailure, state: string, reproduce: string, extra: Partial<Finding> = {}): Finding {
  const { statement } = failure;
  const text = verifyText(failure);
  const cause: Cause = { file: statement.file, line: statement.line, sqlstate: failure.error?.sqlstate ?? null, message: text, diff: null };
  return {
    check,
    file: statement.file,
    line: statement.line,
    column: statement.column,
    statement: statement.sql,
    sqlstate: failure.error?.sqlstate ?? null,
    message: `${text} on ${state}`,
    hint: VERIFY_HINT,
    diff: null,
    reproduce,
    cause,
    ...extra,
  };
}
