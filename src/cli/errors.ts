import { InputError } from '../migrations/types.js';
import { InfrastructureError } from '../postgres/types.js';
import { displayPath, displayText } from '../report/paths.js';
import { exhausted } from '../postgres/exhausted.js';

/** Thrown for a bad command line; exit code 2 like every usage error. `fix`: what to do, if more than reading --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly fix = 'see migtest --help',
  ) {
    super(message);
  }
}

/** Bad input and infrastructure failures as a person reads them: where, what, what to do; no stack. */
export function describeError(error: unknown): string {
  error = exhausted(error) ?? error;
  if (error instanceof InputError) {
    const where = error.file
      ? `${displayPath(error.file)}${error.line ? `:${error.line}${error.column ? `:${error.column}` : ''}` : ''}: `
      : '';
    return `migtest: ${where}${displayText(error.message)}${error.fix ? `\n  fix: ${displayText(error.fix)}` : ''}`;
  }
  if (error instanceof InfrastructureError) {
    return `migtest: ${displayText(error.message)}${error.fix ? `\n  fix: ${displayText(error.fix)}` : ''}`;
  }
  if (error instanceof UsageError) return `migtest: ${error.message}\n  fix: ${error.fix}`;
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env.MIGTEST_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  return `migtest: ${message}${stack}\n  (an unexpected failure: set MIGTEST_DEBUG=1 for the stack, and report it)`;
}

/** An error that stopped a command, as `--format json` reports it (exit 2). */
export interface ErrorReport {
  message: string;
  /** The input file at fault, as a person types it; null when the error names no file. */
  file: string | null;
  line: number | null;
  /** What to do about it; null when there is nothing to say. */
  fix: string | null;
}

/** The same error describeError tells a person, as fields. */
export function errorReport(error: unknown): ErrorReport {
  error = exhausted(error) ?? error;
  if (error instanceof InputError) {
    return { message: displayText(error.message), file: error.file ? displayPath(error.file) : null, line: error.line ?? null, fix: error.fix ? displayText(error.fix) : null };
  }
  if (error instanceof InfrastructureError) return { message: displayText(error.message), file: null, line: null, fix: error.fix ? displayText(error.fix) : null };
  if (error instanceof UsageError) return { message: error.message, file: null, line: null, fix: error.fix };
  const message = error instanceof Error ? error.message : String(error);
  return { message, file: null, line: null, fix: 'an unexpected failure: set MIGTEST_DEBUG=1 for the stack, and report it' };
}
