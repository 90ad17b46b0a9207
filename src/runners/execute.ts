import type pg from 'pg';
import { sentAsIs, sentJoined, type SentText } from '../migrations/locate.js';
import type { Statement } from '../migrations/types.js';
import { committedBefore } from '../migrations/transactions.js';
import type { Fault } from '../faults/types.js';
import { armed, fire, faultSql, FAULT_MESSAGE, injectIntoScript, listOf, type Faults } from '../faults/inject.js';
import { locateInScript, placeError, sendWatched } from './place.js';
import type { Block, BlockTrace, PgError, StatementOutcome } from './types.js';

const STATEMENT_TIMEOUT_HINT =
  'the statement ran longer than the statement timeout (--statement-timeout, default 5m): make it faster, or raise the limit if production gives it that long';

/** What node-postgres reports for a server error or a lost connection, as a PgError. */
export function toPgError(error: unknown): PgError {
  const e = error as {
    code?: string;
    message?: string;
    detail?: string;
    hint?: string;
    position?: string;
    where?: string;
    internalQuery?: string;
    internalPosition?: string;
  };
  // A lost connection has no SQLSTATE from the server: 08006 is PostgreSQL's connection_failure.
  const sqlstate = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : '08006';
  const out: PgError = { sqlstate, message: e.message ?? String(error) };
  if (e.detail) out.detail = e.detail;
  if (e.hint) out.hint = e.hint;
  // PostgreSQL's cancel by statement_timeout: migtest's limit, so say which option moves it.
  else if (sqlstate === '57014' && /statement timeout/.test(out.message)) out.hint = STATEMENT_TIMEOUT_HINT;
  if (e.position) out.position = Number(e.position);
  if (e.where) out.where = e.where;
  if (e.internalQuery) out.internalQuery = e.internalQuery;
  if (e.internalPosition) out.internalPosition = Number(e.internalPosition);
  return out;
}

/** What running some statements did: an outcome per statement, and the error that stopped them. */
export interface Execution {
  outcomes: StatementOutcome[];
  error?: PgError;
  /** Index of the statement that failed, or of the boundary where a fault fired. */
  failedAt?: number;
  /** Whether the error came from an injected fault rather than a statement. */
  faulted?: boolean;
  /** The error is an `ack-lost` fault: statement `failedAt` (the block's COMMIT at its length) committed first. */
  ackLost?: boolean;
  /** The server refused the whole string before running any of it (a syntax error): nothing is durable. */
  rejected?: boolean;
}

/**
 * An `ack-lost` fault: the work just committed, and the connection dies before the client reads
 * the answer. The backend is terminated from inside, so the server really drops the session; the
 * caller reports the error as the failure of the statement (or COMMIT) whose answer was lost.
 */
export async function loseAck(client: pg.Client): Promise<PgError> {
  const note = `${FAULT_MESSAGE} (ack lost): the work committed, then the connection was lost before the client read the answer`;
  try {
    await client.query(faultSql({ kind: 'ack-lost' }));
  } catch (error) {
    const e = toPgError(error);
    return { ...e, message: `${note}: ${e.message}` };
  }
  return { sqlstate: '08006', message: note };
}

/** The ack-lost fault of `faults` for statement `at` (the COMMIT when `at` is the count), if it fires now. */
export function ackLostAt(faults: Faults, at: number): Fault | undefined {
  const fault = listOf(faults).find((f) => f.kind === 'ack-lost' && f.at === at && armed(f));
  if (fault) fire(fault);
  return fault;
}

function outcomesAckLost(statements: Statement[], at: number, error: PgError): StatementOutcome[] {
  return statements.map((statement, i) =>
    i < at ? { status: 'ok', statement } : i === at ? { status: 'error', statement, error } : { status: 'skipped', statement },
  );
}

/** A string the server rejected whole: only the statement it pointed at failed, none ran. */
function outcomesRejected(statements: Statement[], failedAt: number, error: PgError): StatementOutcome[] {
  return statements.map((statement, i) => (i === failedAt ? { status: 'error', statement, error } : { status: 'skipped', statement }));
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
 * error. A fault fires before statement `fault.at` (after the last when `at` is the count); an
 * `ack-lost` fault right after statement `at` succeeded. A transient fault fires only while it has
 * firings left (see `armed`). `send` lets a model send one statement its own way (e.g. COPY FROM
 * STDIN with inline data).
 */
export async function execStatements(
  client: pg.Client,
  statements: Statement[],
  faults?: Faults,
  send: (client: pg.Client, statement: Statement) => Promise<unknown> = (c, s) => c.query(s.sql),
): Promise<Execution> {
  const list = listOf(faults);
  for (let i = 0; i <= statements.length; i++) {
    const fault = list.find((f) => f.at === i && f.kind !== 'ack-lost' && armed(f));
    if (fault) {
      fire(fault);
      try {
        await client.query(faultSql(fault));
      } catch (error) {
        const pgError = toPgError(error);
        return { outcomes: outcomesUntil(statements, i, pgError, true), error: pgError, failedAt: i, faulted: true };
      }
    }
    const statement = statements[i];
    if (!statement) break;
    const sent = await sendWatched(client, statement, send, toPgError);
    if (sent.error) {
      const pgError = sent.error;
      return { outcomes: outcomesUntil(statements, i, pgError, false), error: pgError, failedAt: i, faulted: false };
    }
    if (ackLostAt(list.filter((f) => f.at < statements.length), i)) {
      const pgError = await loseAck(client);
      return { outcomes: outcomesAckLost(statements, i, pgError), error: pgError, failedAt: i, faulted: true, ackLost: true };
    }
  }
  return { outcomes: statements.map((statement) => ({ status: 'ok', statement })) };
}

/**
 * Sends a script as one simple-query string, as drivers do for a query without parameters, and
 * names the statement that failed by counting the CommandComplete messages the server sent
 * before the error: one per finished statement. A fault is injected into the text at the
 * parser's boundary (the first one still armed: it ends the string); an `ack-lost` fault at the
 * script's end kills the connection once the whole string has committed.
 *
 * The server parses the whole string before it runs any of it, so a syntax error stops it with
 * no CommandComplete at all: the error's position, mapped back through what was sent (`base`
 * says where `text` comes from), names that statement instead, and nothing of the string ran.
 */
export async function execScript(
  client: pg.Client,
  text: string,
  statements: Statement[],
  faults?: Faults,
  base: SentText = sentAsIs(text),
): Promise<Execution> {
  const list = listOf(faults);
  const fault = list.filter((f) => f.kind !== 'ack-lost' && armed(f)).sort((a, b) => a.at - b.at)[0];
  const sent = fault ? injectIntoScript(text, statements, fault.at, faultSql(fault)) : text;
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  let completed = 0;
  const onComplete = (): void => {
    completed++;
  };
  connection.on('commandComplete', onComplete);
  try {
    await client.query(sent);
  } catch (error) {
    const pgError = toPgError(error);
    // A killed server never flushes the CommandComplete messages it had buffered: a lost
    // connection during a crash fault is the crash, wherever the count stopped.
    if (fault?.kind === 'crash' && pgError.sqlstate === '08006') {
      fire(fault);
      return { outcomes: outcomesUntil(statements, fault.at, pgError, true), error: pgError, failedAt: fault.at, faulted: true };
    }
    const located = locateInScript(pgError, { base, text, sent, statements, ...(fault ? { fault } : {}) });
    // The injected statement sits at index `fault.at` of what was sent.
    const counted = fault && completed > fault.at ? completed - 1 : completed;
    if (located && located.statement !== counted && completed === 0) {
      // Rejected whole: nothing ran, not even an injected fault.
      pgError.place = located.place;
      return { outcomes: outcomesRejected(statements, located.statement, pgError), error: pgError, failedAt: located.statement, faulted: false, rejected: true };
    }
    // A position points into the text of the statement that raised the error (never into an
    // injected fault, which has none); one elsewhere came from another text, and is not used.
    const pointed = located !== undefined && located.statement === counted;
    if (pointed) pgError.place = located.place;
    const faulted = fault !== undefined && completed === fault.at && !pointed;
    if (faulted) fire(fault);
    return { outcomes: outcomesUntil(statements, counted, pgError, faulted), error: pgError, failedAt: counted, faulted };
  } finally {
    connection.off('commandComplete', onComplete);
  }
  const outcomes: StatementOutcome[] = statements.map((statement) => ({ status: 'ok', statement }));
  if (ackLostAt(list, statements.length)) {
    const error = await loseAck(client);
    return { outcomes, error, failedAt: statements.length, faulted: true, ackLost: true };
  }
  return { outcomes };
}

/** The text a script block sends: its file's text, or its statements joined. */
function scriptText(block: Block): SentText {
  return block.text !== undefined ? sentAsIs(block.text) : sentJoined(block.statements);
}

/**
 * The rule of a file's text that a tool sends as one simple-query string: several statements
 * share one implicit transaction (`script`); one statement alone autocommits (`no-txn`), so CREATE
 * INDEX CONCURRENTLY may stand alone in its file, and a fault before or after it is a message of
 * its own, as a real failure there would be.
 */
export function oneStringRule(statements: readonly Statement[]): 'no-txn' | 'script' {
  return statements.length === 1 ? 'no-txn' : 'script';
}

/** A block whose rule `oneStringRule` gave, sent as that one string. */
export function runOneString(client: pg.Client, block: Block, faults?: Faults): Promise<BlockTrace> {
  return block.rule === 'no-txn' ? runNoTxn(client, block, faults, (c) => c.query(block.text!)) : runScript(client, block, faults);
}

/** A `script` block as one simple-query string. */
export async function runScript(client: pg.Client, block: Block, faults?: Faults): Promise<BlockTrace> {
  const sent = scriptText(block);
  const run = await execScript(client, sent.text, block.statements, faults, sent);
  const all = block.statements.length;
  const durable = !run.error || run.ackLost ? all : run.rejected ? 0 : committedBefore(block.statements, 'string', run.failedAt ?? 0);
  return toBlockTrace(block, run, durable, faults);
}

/**
 * A block in an explicit transaction: BEGIN, `execute` (the block's statements, sent as the tool
 * sends them), `beforeCommit` (the tool's own tracker write), COMMIT; ROLLBACK at the first error.
 * `durableAfter(failedAt)` says what survives a rollback: nothing, unless the text held its own
 * COMMIT.
 */
async function inTransaction(
  client: pg.Client,
  block: Block,
  faults: Faults | undefined,
  execute: () => Promise<Execution>,
  durableAfter: (failedAt: number) => number,
  beforeCommit?: (client: pg.Client) => Promise<void>,
): Promise<BlockTrace> {
  const all = block.statements.length;
  await client.query('BEGIN');
  const run = await execute();
  if (!run.error && beforeCommit) {
    try {
      await beforeCommit(client);
    } catch (error) {
      run.error = toPgError(error);
      run.failedAt = all;
    }
  }
  if (run.error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return toBlockTrace(block, run, run.rejected ? 0 : durableAfter(run.failedAt ?? 0), faults);
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    run.error = toPgError(error);
    run.failedAt = all;
    return toBlockTrace(block, run, durableAfter(all), faults);
  }
  return afterCommit(client, block, run, faults);
}

/** An `in-txn` block: BEGIN, the statements one by one, COMMIT; ROLLBACK at the first error. */
export function runInTxn(
  client: pg.Client,
  block: Block,
  faults?: Faults,
  hooks: { beforeCommit?: (client: pg.Client) => Promise<void>; send?: Parameters<typeof execStatements>[3] } = {},
): Promise<BlockTrace> {
  return inTransaction(client, block, faults, () => execStatements(client, block.statements, faults, hooks.send), () => 0, hooks.beforeCommit);
}

/**
 * An `in-txn` block whose text goes to the server as ONE simple-query string inside an explicit
 * transaction, as a driver's `tx.Exec(text)` sends it (a Go tool's `db.Begin()` then `tx.Exec`).
 * The server still names the failing statement through its CommandComplete messages. A COMMIT in
 * the text ends the transaction early, and what ran before it stays.
 */
export function runScriptInTxn(
  client: pg.Client,
  block: Block,
  faults?: Faults,
  hooks: { beforeCommit?: (client: pg.Client) => Promise<void> } = {},
): Promise<BlockTrace> {
  const sent = scriptText(block);
  // The string runs inside the block's transaction: its end is no commit. An ack-lost fault at the
  // block's end takes the COMMIT's answer (afterCommit), never the string's, which would lose the work.
  const all = block.statements.length;
  const inString = listOf(faults).filter((f) => !(f.kind === 'ack-lost' && f.at === all));
  return inTransaction(
    client,
    block,
    faults,
    () => execScript(client, sent.text, block.statements, inString, sent),
    (failedAt) => committedBefore(block.statements, 'string', failedAt),
    hooks.beforeCommit,
  );
}

/**
 * A block that just committed, unless an `ack-lost` fault takes the COMMIT's answer: then the
 * client sees the COMMIT fail with a lost connection, and everything is durable all the same.
 */
export async function afterCommit(client: pg.Client, block: Block, run: Execution, faults: Faults): Promise<BlockTrace> {
  const all = block.statements.length;
  if (ackLostAt(faults, all)) {
    const error = await loseAck(client);
    return toBlockTrace(block, { ...run, error, failedAt: all, faulted: true, ackLost: true }, all, faults);
  }
  return toBlockTrace(block, run, all, faults);
}

/** A `no-txn` block: each statement autocommits; what ran before an error stays. */
export async function runNoTxn(
  client: pg.Client,
  block: Block,
  faults?: Faults,
  send?: Parameters<typeof execStatements>[3],
): Promise<BlockTrace> {
  const run = await execStatements(client, block.statements, faults, send);
  // The statement whose answer an ack-lost fault took did commit.
  const durable = run.error ? (run.failedAt ?? 0) + (run.ackLost ? 1 : 0) : block.statements.length;
  return toBlockTrace(block, run, durable, faults);
}

export function toBlockTrace(block: Block, run: Execution, durable: number, faults?: Faults): BlockTrace {
  const fault = listOf(faults)[0];
  if (run.error && !run.error.place) {
    const failed = run.outcomes.find((o) => o.status === 'error');
    const place = failed ? placeError(block, failed.statement, run.error) : undefined;
    if (place) run.error.place = place;
  }
  return {
    block,
    outcomes: run.outcomes,
    durable,
    ...(run.error ? { error: run.error } : {}),
    ...(fault ? { fault } : {}),
    ...(run.faulted !== undefined ? { faulted: run.faulted } : {}),
    ...(run.failedAt !== undefined ? { failedAt: run.failedAt } : {}),
    ...(run.ackLost ? { ackLost: true } : {}),
  };
}
