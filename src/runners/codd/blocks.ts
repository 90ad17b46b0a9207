import type pg from 'pg';
import type { Migration, Statement } from '../../migrations/types.js';
import { isConnectionLost, moved, type Faults } from '../../faults/inject.js';
import type { Fault } from '../../faults/types.js';
import { afterCommit, execStatements, toBlockTrace, toPgError, type Execution } from '../execute.js';
import { waitBefore, type Clock, type RetryPolicy } from '../retry.js';
import type { Block, BlockTrace, PgError, StatementOutcome, StatementTries } from '../types.js';
import type { Connections, Target } from './connections.js';
import type { Records } from './records.js';
import type { Sender } from './send.js';
import { createTracker, idsOf, register, type Applied } from './tracker.js';

/*
 * How codd runs one block: an in-txn block whole, retried whole; a no-txn block statement by
 * statement, resumed and retried where it failed.
 */

/** What a block's run works with: the run's connections, records and way of sending. */
export interface BlockRun {
  connections: Connections;
  records: Records;
  sender: Sender;
}

/**
 * codd's runInTxnBlock: the whole transaction is retried under CODD_RETRY_POLICY ("we retry entire
 * in-txn block transactions on error, not individual statements"), COMMIT errors included, with
 * a counter of its own for each block. Not after a lost connection: codd's ROLLBACK on the dead
 * connection throws, and the exception ends `codd up` without a retry.
 */
export async function inTxnRetried(run: BlockRun, client: pg.Client, target: Target, block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
  const errors: string[] = [];
  const waitsMs: number[] = [];
  for (;;) {
    const trace = await inTxn(run, client, target, block, faults);
    if (!trace.error) return withTries(trace, retry, errors.length + 1, waitsMs, errors);
    errors.push(trace.error.sqlstate);
    const wait = isConnectionLost(trace.error.sqlstate) ? undefined : waitBefore(retry.policy, errors.length);
    if (wait === undefined) return withTries(trace, retry, errors.length, waitsMs, errors);
    await retry.clock.sleep(wait);
    retry.waitedMs += wait;
    waitsMs.push(wait);
  }
}

/**
 * BEGIN READ WRITE, (on the default connection: codd's schema and the records it holds), each
 * pending migration's statements followed by its record, COMMIT. A failure rolls back all of it.
 */
async function inTxn(run: BlockRun, client: pg.Client, target: Target, block: Block, faults: Fault[]): Promise<BlockTrace> {
  const outcomes: StatementOutcome[] = [];
  const execution: Execution = { outcomes };
  const held: Applied[] = [];
  let schemaMade = false;
  const fail = (error: unknown, failedAt: number): void => {
    execution.error = toPgError(error);
    execution.failedAt = failedAt;
    execution.faulted = false;
  };
  await client.query('BEGIN READ WRITE');
  try {
    if (target.defaultConn) {
      if (!run.records.schemaReady) {
        await createTracker(client);
        schemaMade = true;
      }
      for (const a of run.records.unregistered) await register(client, a, false);
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return failedBefore(block, toPgError(error), faults);
  }
  const send = run.sender.send;
  let offset = 0;
  for (const m of block.migrations) {
    const statements = m.up.statements;
    if (execution.error || run.records.applied.get(m.name)?.succeeded) {
      outcomes.push(...statements.map((statement): StatementOutcome => (execution.error ? { status: 'skipped', statement } : { status: 'ok', statement })));
      offset += statements.length;
      continue;
    }
    const started = performance.now();
    const local = faultsInMigration(faults, block, m, offset);
    const part = await execStatements(client, statements, local, send);
    outcomes.push(...part.outcomes);
    if (part.error) {
      execution.error = part.error;
      execution.failedAt = offset + (part.failedAt ?? 0);
      execution.faulted = part.faulted ?? false;
    } else {
      const applied: Applied = { migration: m, failed: false, count: statements.length, durationMs: performance.now() - started };
      try {
        if (target.defaultDb && (run.records.schemaReady || schemaMade)) await register(client, applied, true);
        else held.push({ ...applied, ...(await idsOf(client, true)) });
      } catch (error) {
        fail(error, offset + statements.length);
      }
    }
    offset += statements.length;
  }
  if (execution.error) {
    await client.query('ROLLBACK').catch(() => undefined);
    return toBlockTrace(block, execution, 0, faults);
  }
  try {
    await client.query('COMMIT');
  } catch (error) {
    fail(error, block.statements.length);
    return toBlockTrace(block, execution, 0, faults);
  }
  // Committed, records included; with a lost ack codd sees its COMMIT fail and exits.
  const committed = await afterCommit(client, block, execution, faults);
  if (committed.error) return committed;
  if (schemaMade) run.records.schemaReady = true;
  if (target.defaultConn) run.records.unregistered = [];
  run.records.unregistered.push(...held);
  return committed;
}

/**
 * Each statement on its own, from the one after those a failed run applied. A failure records
 * how many statements stay applied (up to the last BEGIN when it happened inside an explicit
 * transaction, codd PR #187), so that the next run resumes there; a lost connection records nothing.
 *
 * Retries (CODD_RETRY_POLICY) resume at that same place, on the same connection. The try
 * counter resets for every statement: it belongs to the place the tries resume at, and starts
 * over when a try gets further. A lost connection is not retried (codd cannot write on it, and exits).
 */
export async function noTxn(run: BlockRun, client: pg.Client, target: Target, block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
  const migration = block.migrations[0]!;
  const statements = migration.up.statements;
  const row = run.records.applied.get(migration.name);
  let resume = row && !row.succeeded ? Math.min(row.count, statements.length) : 0;
  const units: StatementTries[] = [];
  const base = run.sender.send;
  const started = performance.now();
  const finish = (trace: BlockTrace, gaveUp: boolean): BlockTrace => {
    const last = units[units.length - 1];
    if (last && !gaveUp) last.tries = last.errors.length + 1;
    if (!retry.policy) return trace;
    const waitsMs = units.flatMap((u) => u.waitsMs);
    const errors = units.flatMap((u) => u.errors);
    return { ...withTries(trace, retry, errors.length + 1 - (gaveUp ? 1 : 0), waitsMs, errors), statementTries: units };
  };

  for (;;) {
    let count = resume;
    let lastBegin: number | undefined;
    let status = run.connections.status(client);
    const send = async (c: pg.Client, statement: Statement): Promise<unknown> => {
      const result = await base(c, statement);
      const now = run.connections.status(c);
      count++;
      if (status === 'I' && now === 'T') lastBegin = count;
      else if (now !== 'T') lastBegin = undefined;
      status = now;
      return result;
    };
    const local = faults.filter((f) => f.at >= resume).map((f) => moved(f, f.at - resume));
    const part = await execStatements(client, statements.slice(resume), local, send);
    const outcomes: StatementOutcome[] = [
      ...statements.slice(0, resume).map((statement): StatementOutcome => ({ status: 'ok', statement })),
      ...part.outcomes,
    ];
    const durationMs = performance.now() - started;
    if (!part.error) {
      try {
        await run.records.registerNoTxn(client, target, { migration, failed: false, count, durationMs });
      } catch (error) {
        const e = toPgError(error);
        return finish(toBlockTrace(block, { outcomes, error: e, failedAt: statements.length, faulted: false }, statements.length, faults), false);
      }
      return finish(toBlockTrace(block, { outcomes }, statements.length, faults), false);
    }

    const failedAt = resume + (part.failedAt ?? 0);
    // An ack-lost statement did commit, but codd saw it fail: it counts the statements before it.
    const seen = part.ackLost ? count - 1 : count;
    const applied = lastBegin === undefined ? seen : lastBegin - 1;
    const durable = lastBegin === undefined ? count : lastBegin - 1;
    const execution: Execution = { outcomes, error: part.error, failedAt, faulted: part.faulted ?? false, ...(part.ackLost ? { ackLost: true } : {}) };
    const trace = toBlockTrace(block, execution, durable, faults);
    // The tries of the place this try failed at: a new place when the try got further than the last one.
    let unit = units[units.length - 1];
    if (!unit || applied > unit.statement) {
      if (unit) unit.tries = unit.errors.length + 1;
      unit = { statement: applied, tries: 0, waitsMs: [], errors: [] };
      units.push(unit);
    }
    unit.errors.push(part.error.sqlstate);
    unit.tries = unit.errors.length;
    if (isConnectionLost(part.error.sqlstate)) return finish(trace, true);
    try {
      // codd rolls back the explicit transaction the failure left open. The status is not known
      // yet here (node-postgres settles a failed query before ReadyForQuery), and a ROLLBACK
      // outside a transaction only warns, so it is sent whenever a BEGIN was open.
      if (lastBegin !== undefined) await client.query('ROLLBACK');
      await run.records.registerNoTxn(client, target, { migration, failed: true, count: applied, durationMs });
    } catch {
      // codd would exit on this error too; the statement's own failure is the one to report.
      return finish(trace, true);
    }
    const wait = waitBefore(retry.policy, unit.errors.length);
    if (wait === undefined) return finish(trace, true);
    await retry.clock.sleep(wait);
    retry.waitedMs += wait;
    unit.waitsMs.push(wait);
    resume = applied;
  }
}

/**
 * A block that failed before its first statement ran (a connection, codd's own schema or
 * records): the finding points at that first statement, with codd's error.
 */
export function failedBefore(block: Block, error: PgError, faults: Faults): BlockTrace {
  const outcomes: StatementOutcome[] = block.statements.map((statement, i) =>
    i === 0 ? { status: 'error', statement, error } : { status: 'skipped', statement },
  );
  return toBlockTrace(block, { outcomes, error, failedAt: 0, faulted: false }, 0, faults);
}

/**
 * The faults of a block as they fall in one of its migrations: before one of its statements, or
 * after the block's last (the ack of the block's COMMIT stays with the block, which sends it).
 */
function faultsInMigration(faults: Fault[], block: Block, migration: Migration, offset: number): Fault[] {
  const length = migration.up.statements.length;
  const last = block.migrations[block.migrations.length - 1] === migration;
  return faults.flatMap((fault) => {
    if (fault.at >= offset && fault.at < offset + length) return [moved(fault, fault.at - offset)];
    if (last && fault.at === block.statements.length && fault.kind !== 'ack-lost') return [moved(fault, length)];
    return [];
  });
}

/** How codd waits between tries in one run: the policy, the clock, and the time waited so far. */
export interface Retrying {
  policy?: RetryPolicy;
  clock: Clock;
  waitedMs: number;
}

/** A block's trace with what its tries came to, when a policy was given (else as it was). */
function withTries(trace: BlockTrace, retry: Retrying, tries: number, waitsMs: number[], errors: string[]): BlockTrace {
  if (!retry.policy) return trace;
  return { ...trace, tries, waitsMs, tryErrors: errors };
}
