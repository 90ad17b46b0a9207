import type pg from 'pg';
import { InputError } from '../migrations/types.js';

/**
 * How long migtest waits for a server before it gives up: a url that is no PostgreSQL server, a
 * migration that sleeps, a lock that never comes must end the run, not hang it.
 */
export interface Limits {
  /** Connecting, up to the server's first ReadyForQuery. */
  connectMs: number;
  /** `statement_timeout` of every connection to a case's database: one statement of a migration. */
  statementMs: number;
  /**
   * One connection to a case's database, from connect to end: one run of the tool over the set.
   * A migration can lift statement_timeout (`SET statement_timeout = 0`, as pg_dump output does);
   * it cannot lift this one, which ends the connection from outside.
   */
  caseMs: number;
}

export const DEFAULT_LIMITS: Limits = { connectMs: 10_000, statementMs: 5 * 60_000, caseMs: 15 * 60_000 };

/** SQLSTATE query_canceled: PostgreSQL's own code for a statement_timeout. */
export const TIMEOUT_SQLSTATE = '57014';

/** A duration as `500ms`, `30s`, `5m` or `1h`; `option` names it in the refusal. */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  const value = match ? Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!match || !Number.isFinite(value) || value < 1 || value > 2_147_483_647) {
    throw new InputError(`${option} takes a duration such as 500ms, 30s or 5m, not '${text}'`, undefined, undefined, undefined, `e.g. ${option} 30s`);
  }
  return Math.round(value);
}

/** A duration as a person writes it: `1s`, `500ms`, `5m`. */
export function showDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** What a statement cut short by statement_timeout says, with the option that sets the limit. */
export function statementTimeoutMessage(ms: number): string {
  return `the statement ran longer than the statement timeout (${showDuration(ms)}; --statement-timeout), and PostgreSQL canceled it`;
}

/**
 * Bounds one connection to a case's database by `ms`: past it, `terminate` ends the backend from
 * another connection, and every query of this client that fails from then on fails as a timeout
 * (SQLSTATE 57014) saying so. Returns the function that lifts the bound (at end, or when the
 * connection goes back to the idle pool).
 */
export function boundConnection(client: pg.Client, ms: number, terminate: (pid: number) => Promise<void>): () => void {
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid !== undefined) void terminate(pid).catch(() => undefined);
  }, ms);
  timer.unref();
  const original = client.query.bind(client) as (...args: unknown[]) => unknown;
  const bounded = (...args: unknown[]): unknown => {
    const result = original(...args);
    // Callback and stream forms pass as they are: only the promise form the executors use is rewritten.
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (!fired) throw error;
      throw Object.assign(new Error(`the case ran longer than the case timeout (${showDuration(ms)}; --case-timeout), and migtest ended its connection`), {
        code: TIMEOUT_SQLSTATE,
      });
    });
  };
  (client as { query: unknown }).query = bounded;
  return () => {
    clearTimeout(timer);
    // Back to the prototype's query: a connection handed out again gets a bound of its own.
    delete (client as { query?: unknown }).query;
  };
}
