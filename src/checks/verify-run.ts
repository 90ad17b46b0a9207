import type { SqlFile } from '../migrations/setup.js';
import { InputError, type Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import { toPgError } from '../runners/execute.js';
import type { PgError } from '../runners/types.js';

/*
 * The user's own assertions (`--verify`): statements that must hold on every state a check
 * reaches (the fresh state, the state after a second run, each end state a recovery or a retry
 * converges to). Each statement must succeed; a statement that returns columns must return true
 * in the first column of every row (no rows: nothing is false). They run in one transaction that
 * is rolled back, each behind a savepoint, so that verifying never changes the state compared
 * and one failing statement does not hide the next. A failure is a finding of the check that
 * reached the state, its message starting with `verify`.
 */

/** PostgreSQL's type oid of boolean. */
const BOOL_OID = 16;

/** One verify statement that did not hold. */
export interface VerifyFailure {
  statement: Statement;
  /** The error it raised; absent when it ran and returned a row that is not true. */
  error?: PgError;
  /** Rows whose first column is false or null, of `rows`. */
  notTrue?: number;
  rows?: number;
}

/** Runs every verify statement on `db` (as the superuser) and says which did not hold. */
export async function verifyState(db: DatabaseHandle, verify: readonly SqlFile[]): Promise<VerifyFailure[]> {
  const statements = verify.flatMap((f) => f.statements);
  if (statements.length === 0) return [];
  const failures: VerifyFailure[] = [];
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    for (const statement of statements) {
      await client.query('SAVEPOINT migtest_verify');
      try {
        const result = await client.query({ text: statement.sql, rowMode: 'array' });
        const failure = truth(statement, result.fields, result.rows as unknown[][]);
        if (failure) failures.push(failure);
        await client.query('RELEASE SAVEPOINT migtest_verify');
      } catch (error) {
        if (error instanceof InputError) throw error;
        failures.push({ statement, error: toPgError(error) });
        await client.query('ROLLBACK TO SAVEPOINT migtest_verify');
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
  return failures;
}

/**
 * Whether a statement's result holds. A first column that is not boolean is a verify file that
 * asserts nothing migtest can read: exit 2 with its place, rather than a pass that means nothing.
 */
function truth(statement: Statement, fields: { dataTypeID: number; name: string }[], rows: unknown[][]): VerifyFailure | undefined {
  const first = fields[0];
  if (!first) return undefined; // no columns (DDL, DO, UPDATE): succeeding is what it asserts
  if (first.dataTypeID !== BOOL_OID) {
    throw new InputError(
      `a --verify query must return a boolean first column (true where the state is right), and column "${first.name}" is not boolean`,
      statement.file,
      statement.line,
      statement.column,
      'write it as a boolean, e.g. SELECT count(*) = 0 FROM … or SELECT exists (…); a statement without columns only has to succeed',
    );
  }
  const notTrue = rows.filter((row) => row[0] !== true).length;
  return notTrue > 0 ? { statement, notTrue, rows: rows.length } : undefined;
}

/** What a failure says, without the state it was met on: the same for every case that meets it. */
