import type { Difference } from '../../snapshot/types.js';
import { diffSignature, placelessFinding } from '../findings.js';
import type { CheckName, Finding } from '../types.js';
import type { ServerError } from '../../faults/proxy/proxy.js';
import type { Boundary } from '../../faults/proxy/boundary.js';
import { locate, type SetFile } from './locate.js';
import { splitStatements } from '../../migrations/split.js';
import { outputTail, type ToolRun } from './states.js';

/*
 * Findings about a real tool's runs. A statement is named by the text the tool sent and, where
 * that text is in the set's files, by its file and line.
 */

/** The finding's place: the statement's text, and its file:line where found. */
export function placeOf(files: readonly SetFile[], text: string | undefined): Pick<Finding, 'file' | 'line' | 'column' | 'statement'> {
  if (text === undefined) return { file: null, line: null, column: null, statement: null };
  const found = locate(files, text);
  return { file: found?.file ?? null, line: found?.line ?? null, column: found?.column ?? null, statement: text };
}

/**
 * The statement an error stopped at: in a Query string of several statements, the one after those
 * the server completed (PostgreSQL's own split of the string), else the whole text sent.
 */
export function failingStatement(error: ServerError): { sent: string; sql: string; offset: number } | undefined {
  const boundary = error.boundary;
  if (!boundary) return undefined;
  const whole = { sent: boundary.text, sql: boundary.text, offset: 0 };
  if (boundary.kind !== 'query') return whole;
  try {
    const statements = splitStatements(boundary.text, { file: '' });
    const statement = statements[error.completed] ?? statements[statements.length - 1];
    return statement ? { sent: boundary.text, sql: statement.sql, offset: statement.offset } : whole;
  } catch {
    return whole;
  }
}

/** Where an error's statement is: inside the text sent where that is in the files, else by the statement's own text. */
export function placeOfError(files: readonly SetFile[], error: ServerError): Pick<Finding, 'file' | 'line' | 'column' | 'statement'> {
  const failing = failingStatement(error);
  if (!failing) return placeOf(files, undefined);
  const found = locate(files, failing.sent, failing.offset) ?? locate(files, failing.sql);
  return { file: found?.file ?? null, line: found?.line ?? null, column: found?.column ?? null, statement: failing.sql };
}

/** The server's error that stopped a run: the first one that was not injected. */
export function stoppingError(run: ToolRun): ServerError | undefined {
  return run.errors.find((e) => !e.injected);
}

/** How a boundary is named in a message: its number and the start of its text. */
export function boundaryLabel(boundary: Pick<Boundary, 'index' | 'text'>): string {
  const first = boundary.text.trim().split('\n')[0] ?? '';
  return `statement ${boundary.index} (${first.length > 60 ? `${first.slice(0, 57)}...` : first})`;
}

/**
 * A run of the tool that failed: at the server's error when there was one (its statement, located),
 * else in the tool's own words (the end of its output). `label` begins the message (a case's fault).
 */
export function runFailure(check: CheckName, run: ToolRun, files: readonly SetFile[], reproduce: string, label?: string): Finding {
  const error = stoppingError(run);
  const words = outputTail(run.result);
  const lead = label ? `${label}: ` : '';
  if (error) {
    const place = placeOfError(files, error);
    return {
      check,
      ...place,
      sqlstate: error.sqlstate,
      message: `${lead}the tool fails with ${error.sqlstate}: ${error.message}`,
      detail: words,
      hint: null,
      diff: null,
      reproduce,
      cause: { file: place.file, line: place.line, sqlstate: error.sqlstate, message: error.message, diff: null },
    };
  }
  const exit = run.result.timedOut ? 'is killed at its timeout' : `exits with code ${run.result.code ?? 'none'}`;
  return placelessFinding(check, `${lead}the tool ${exit} without a server error: ${words}`, reproduce, `the tool ${exit}`);
}

/** A state the tool left that differs from the one it should have. */
export function differenceFinding(check: CheckName, message: string, diff: Difference[], where: Pick<Finding, 'file' | 'line' | 'column' | 'statement'>, reproduce: string): Finding {
  return {
    check,
    ...where,
    sqlstate: null,
    message,
    detail: null,
    hint: null,
    diff,
    reproduce,
    cause: { file: null, line: null, sqlstate: null, message: null, diff: diffSignature(diff) },
  };
}
