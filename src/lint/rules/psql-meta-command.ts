import type { InputError } from '../../migrations/types.js';
import type { Problem, Rule } from '../types.js';

/**
 * psql-meta-command — a psql meta-command (`\set`, `\i`, `\copy`, `\connect`, …) in a migration.
 *
 * Meta-commands are handled by psql itself; a runner sends the file's text to the server, which
 * answers with a syntax error at or near "\". For `\set ON_ERROR_STOP off` there is a second
 * mistake: the runners stop at the first error anyway. migtest's loader refuses such a file for
 * `check`; `migtest lint` reports each meta-command here, at its line, and lints the rest of the
 * set without it.
 */
export const psqlMetaCommand: Rule = {
  id: 'psql-meta-command',
  category: 'psql',
  summary: 'psql meta-command (\\set, \\i, \\copy, …): not SQL, the server rejects it',
  squawk: 'none',
  atlas: 'none',
};

/** Whether the loader refused the set because of a psql meta-command. */
export function isMetaCommandError(error: InputError): boolean {
  return / is a psql meta-command/.test(error.message) && error.file !== undefined && error.line !== undefined;
}

/** The finding for a meta-command the loader refused, at its line (`text`: the command). */
export function metaCommandProblem(error: InputError, text: string): Problem {
  return {
    at: { file: error.file!, line: error.line!, column: error.column ?? 1, text },
    message: error.message,
    hint: error.fix ?? 'remove the line: the runner sends the SQL to the server directly, not through psql',
    sqlstate: '42601',
  };
}
