import type pg from 'pg';
import type { Statement } from '../migrations/types.js';
import type { Block, BlockTrace, PgError, StatementOutcome } from './types.js';

/** What node-postgres reports for a server error or a lost connection, as a PgError. */
export function toPgError(error: unknown): PgError {
  const e = error as { code?: string; message?: string; detail?: string; hint?: string; position?: string };
  // A lost connection has no SQLSTATE from the server: 08006 is PostgreSQL's connection_failure.
  const sqlstate = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : '08006';
  const out: PgError = { sqlstate, message: e.message ?? String(error) };
  if (e.detail) out.detail = e.detail;
  if (e.hint) out.hint = e.hint;
  if (e.position) out.position = Number(e.position);
  return out;
}

function isCommit(statement: Statement): boolean {
  const kind = statement.detail?.transaction;
  return kind === 'COMMIT' || kind === 'COMMIT_PREPARED';
}

/**
 * Sends a `script` block as one simple-query string, as drivers do for a query without
 * parameters, and names the statement that failed by counting the CommandComplete messages the
 * server sent before the error: one per finished statement.
 */
export async function runScript(client: pg.Client, block: Block): Promise<BlockTrace> {
  const text = block.text ?? block.statements.map((s) => s.sql).join(';\n');
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  let completed = 0;
  const onComplete = (): void => {
    completed++;
  };
  connection.on('commandComplete', onComplete);
  try {
    await client.query(text);
    return {
      block,
      outcomes: block.statements.map((statement) => ({ status: 'ok', statement })),
      durable: block.statements.length,
    };
  } catch (error) {
    return scriptFailure(block, completed, toPgError(error));
  } finally {
    connection.off('commandComplete', onComplete);
  }
}

/**
 * The outcome of a script that failed after `completed` statements. PostgreSQL runs the string in
 * one implicit transaction, so only the work up to the last COMMIT that ran is durable.
 */
export function scriptFailure(block: Block, completed: number, error: PgError): BlockTrace {
  const outcomes: StatementOutcome[] = block.statements.map((statement, i) =>
    i < completed ? { status: 'ok', statement } : i === completed ? { status: 'error', statement, error } : { status: 'skipped', statement },
  );
  let durable = 0;
  for (let i = 0; i < completed; i++) if (isCommit(block.statements[i]!)) durable = i + 1;
  return { block, outcomes, durable, error };
}
