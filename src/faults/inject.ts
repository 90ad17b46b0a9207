import type { Statement } from '../migrations/types.js';
import type { Fault } from './types.js';

/** The message every injected error carries, so a finding can tell it from a real failure. */
export const FAULT_MESSAGE = 'migtest: injected fault';

/**
 * The statement that makes the server itself fail at a boundary, so it aborts or rolls back
 * exactly as it would for a real failure; no helper objects are created in the database.
 */
export function faultSql(fault: Pick<Fault, 'kind' | 'sqlstate' | 'sql'>): string {
  switch (fault.kind) {
    case 'crash':
      if (!fault.sql) throw new Error('a crash fault needs the statement of the server it crashes');
      return fault.sql;
    case 'terminate':
      return 'SELECT pg_terminate_backend(pg_backend_pid())';
    case 'error':
    case 'transient':
      return `DO $migtest$BEGIN RAISE EXCEPTION USING ERRCODE = '${fault.sqlstate ?? 'P0001'}', MESSAGE = '${FAULT_MESSAGE}'; END$migtest$`;
    default:
      throw new Error(`fault ${fault.kind} is not injected as SQL`);
  }
}

/**
 * The text of a script with `sql` inserted before statement `at` (after the last one when `at`
 * equals the number of statements), at the parser's boundary so positions before it hold.
 */
export function injectIntoScript(text: string, statements: Statement[], at: number, sql: string): string {
  const next = statements[at];
  if (next) return `${text.slice(0, next.offset)}${sql};\n${text.slice(next.offset)}`;
  // A new line ends a trailing line comment; the lone `;` ends a last statement that has none
  // (an empty statement is skipped by the server and sends no CommandComplete).
  return `${text}\n;\n${sql};\n`;
}

/** The fault of `faults` that fires in block `block`, if any (one fault per block at most). */
export function faultIn(faults: Fault[] | undefined, block: number): Fault | undefined {
  return faults?.find((f) => f.block === block);
}

/** Whether an error is the one a fault injected (as opposed to a failure of the set itself). */
export function isInjected(message: string, sqlstate: string): boolean {
  return message.includes(FAULT_MESSAGE) || sqlstate === '57P01' || sqlstate === '08006';
}
