import { InputError } from '../migrations/types.js';
import { InfrastructureError } from '../postgres/types.js';
import { displayPath } from '../checks/findings.js';

/** Thrown for a bad command line; exit code 2 like every usage error. */
export class UsageError extends Error {}

/** Bad input and infrastructure failures as a person reads them: where, what, what to do; no stack. */
export function describeError(error: unknown): string {
  if (error instanceof InputError) {
    const where = error.file
      ? `${displayPath(error.file)}${error.line ? `:${error.line}${error.column ? `:${error.column}` : ''}` : ''}: `
      : '';
    return `migtest: ${where}${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}`;
  }
  if (error instanceof InfrastructureError) {
    return `migtest: ${error.message}${error.fix ? `\n  fix: ${error.fix}` : ''}`;
  }
  if (error instanceof UsageError) return `migtest: ${error.message}\n  see: migtest --help`;
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env.MIGTEST_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  return `migtest: ${message}${stack}\n  (an unexpected failure: set MIGTEST_DEBUG=1 for the stack, and report it)`;
}
