import type { Trace } from '../../runners/types.js';

/*
 * Whether a failure over generated rows is a finding: the one rule of check populated that
 * judges a failure, for a runner model's runs and a real tool's alike.
 */

/** A failed run as the verdict reads it: the server's SQLSTATE, and the kind of the statement it stopped at (libpg-query's, `AlterTableStmt`), where known. */
export interface Failed {
  sqlstate: string;
  kind: string | undefined;
}

/** Numeric, date and interval overflow: what arithmetic meets at the extreme values a type allows. */
const OVERFLOW = new Set(['22003', '22008', '22015']);

/**
 * A failure that only the generator's extreme values cause: arithmetic over a column's values (a
 * backfill's `price * 1.2`) that overflows at the type's limits, where the application's values
 * rarely are. Not a finding; a type change that narrows the values stored (ALTER COLUMN … TYPE)
 * is one, since any value out of the new range fails it. Pure.
 */
export function atTheLimits(failure: Failed | undefined): boolean {
  return failure !== undefined && OVERFLOW.has(failure.sqlstate) && failure.kind !== 'AlterTableStmt';
}

/** A runner model's failed run, for the verdict. */
export function failedTrace(trace: Trace): Failed | undefined {
  const failure = trace.failure;
  return failure ? { sqlstate: failure.error.sqlstate, kind: failure.statement?.kind } : undefined;
}
