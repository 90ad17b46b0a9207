import type pg from 'pg';
import type { Statement } from '../migrations/types.js';
import type { Fault } from '../faults/types.js';
import { faultSql, injectIntoScript } from '../faults/inject.js';
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

export function isCommit(statement: Statement): boolean {
  const kind = statement.detail?.transaction;
  return kind === 'COMMIT' || kind === 'COMMIT_PREPARED';
}

/** What running some statements did: an outcome per statement, and the error that stopped them. */
export interface Execution {
  outcomes: StatementOutcome[];
  error?: PgError;
  /** Index of the statement that failed, or of the boundary where a fault fired. */
  failedAt?: number;
  /** Whether the error came from an injected fault rather than a statement. */
  faulted?: boolean;
}

function outcomesUntil(statements: Statement[], failedAt: number, error: PgError, faulted: boolean): StatementOutcome[] {
  return statements.map((statement, i) =>
    i < failedAt
      ? { status: 'ok', statement }
      : i === failedAt && !faulted
        ? { status: 'error', statement, error }
        : { status: 'skipped', statement },
  );
}

/**
 * Sends statements one at a time, as tools with their own splitter do, and stops at the first
 * error. A fault fires before statement `fault.at` (after the last when `at` is the count).
 * `send` lets a model send one statement its own way (e.g. COPY FROM STDIN with inline data).
 */
export async function execStatements(
  client: pg.Client,
  statements: Statement[],
  fault?: Fault,
  send: (client: pg.Client, statement: Statement) => Promise<unknown> = (c, s) => c.query(s.sql),
): Promise<Execution> {
  for (let i = 0; i <= statements.length; i++) {
    if (fault && fault.at === i) {
      try {
        await client.query(faultSql(fault));
      } catch (error) {
        const pgError = toPgError(error);
        return { outcomes: outcomesUntil(statements, i, pgError, true), error: pgError, failedAt: i, faulted: true };
      }
    }
    const statement = statements[i];
    if (!statement) break;
    try {
      await send(client, statement);
    } catch (error) {
      const pgError = toPgError(error);
      return { outcomes: outcomesUntil(statements, i, pgError, false), error: pgError, failedAt: i, faulted: false };
    }
  }
  return { outcomes: statements.map((statement) => ({ status: 'ok', statement })) };
}

/**
 * Sends a script as one simple-query string, as drivers do for a query without parameters, and
 * names the statement that failed by counting the CommandComplete messages the server sent
 * before the error: one per finished statement. A fault is injected into the text at the
 * parser's boundary.
 */
export async function execScript(client: pg.Client, text: string, statements: Statement[], fault?: Fault): Promise<Execution> {
  const sent = fault ? injectIntoScript(text, statements, fault.at, faultSql(fault)) : text;
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  let completed = 0;
  const onComplete = (): void => {
    completed++;
  };
  connection.on('commandComplete', onComplete);
  try {
    await client.query(sent);
    return { outcomes: statements.map((statement) => ({ status: 'ok', statement })) };
  } catch (error) {
    const pgError = toPgError(error);
    // A killed server never flushes the CommandComplete messages it had buffered: a lost
    // connection during a crash fault is the crash, wherever the count stopped.
    if (fault?.kind === 'crash' && pgError.sqlstate === '08006') {
      return { outcomes: outcomesUntil(statements, fault.at, pgError, true), error: pgError, failedAt: fault.at, faulted: true };
    }
    // The injected statement sits at index `fault.at` of what was sent.
    const faulted = fault !== undefined && completed === fault.at;
    const failedAt = fault && completed > fault.at ? completed - 1 : completed;
    return { outcomes: outcomesUntil(statements, failedAt, pgError, faulted), error: pgError, failedAt, faulted };
  } finally {
    connection.off('commandComplete', onComplete);
  }
}

/**
 * How many leading statements of a script that failed at `failedAt` stay durable: PostgreSQL runs
 * the string in one implicit transaction, so only the work up to the last COMMIT that ran.
 */
export function durableInScript(statements: Statement[], failedAt: number): number {
  let durable = 0;
  for (let i = 0; i < failedAt; i++) if (isCommit(statements[i]!)) durable = i + 1;
  return durable;
}

/** A `script` block as one simple-query string. */
export async function runScript(client: pg.Client, block: Block, fault?: Fault): Promise<BlockTrace> {
  const text = block.text ?? block.statements.map((s) => `${s.sql};`).join('\n');
  const run = await execScript(client, text, block.statements, fault);
  return toBlockTrace(block, run, run.error ? durableInScript(block.statements, run.failedAt ?? 0) : block.statements.length, fault);
}

/** An `in-txn` block: BEGIN, the statements one by one, COMMIT; ROLLBACK at the first error. */
export async function runInTxn(
  client: pg.Client,
  block: Block,
  fault?: Fault,
  hooks: { beforeCommit?: (client: pg.Client) => Promise<void>; send?: Parameters<typeof execStatements>[3] } = {},
): Promise<BlockTrace> {
  await client.query('BEGIN');
  const run = await execStatements(client, block.statements, fault, hooks.send);
  if (!run.error && hooks.beforeCommit) {
    try {
      await hooks.beforeCommit(client);
    } catch (error) {
      run.error = toPgError(error);
      run.failedAt = block.statements.length;
    }
  }
  if (run.error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return toBlockTrace(block, run, 0, fault);
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    run.error = toPgError(error);
    run.failedAt = block.statements.length;
    return toBlockTrace(block, run, 0, fault);
  }
  return toBlockTrace(block, run, block.statements.length, fault);
}

/** A `no-txn` block: each statement autocommits; what ran before an error stays. */
export async function runNoTxn(
  client: pg.Client,
  block: Block,
  fault?: Fault,
  send?: Parameters<typeof execStatements>[3],
): Promise<BlockTrace> {
  const run = await execStatements(client, block.statements, fault, send);
  return toBlockTrace(block, run, run.error ? (run.failedAt ?? 0) : block.statements.length, fault);
}

export function toBlockTrace(block: Block, run: Execution, durable: number, fault?: Fault): BlockTrace {
  return {
    block,
    outcomes: run.outcomes,
    durable,
    ...(run.error ? { error: run.error } : {}),
    ...(fault ? { fault } : {}),
    ...(run.faulted !== undefined ? { faulted: run.faulted } : {}),
    ...(run.failedAt !== undefined ? { failedAt: run.failedAt } : {}),
  };
}
