import type { Statement } from '../migrations/types.js';
import type { Fault } from './types.js';

/** The message every injected error carries, so a finding can tell it from a real failure. */
export const FAULT_MESSAGE = 'migtest: injected fault';

/** The SQLSTATE of a transient fault that loses the connection (PostgreSQL's connection_failure). */
export const CONNECTION_LOST = '08006';

const TERMINATE = 'SELECT pg_terminate_backend(pg_backend_pid())';

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
    case 'ack-lost':
      return TERMINATE;
    case 'transient':
      if (fault.sqlstate?.startsWith('08')) return TERMINATE;
      return raise(fault.sqlstate ?? '40001');
    case 'error':
      return raise(fault.sqlstate ?? 'P0001');
  }
}

function raise(sqlstate: string): string {
  return `DO $migtest$BEGIN RAISE EXCEPTION USING ERRCODE = '${sqlstate}', MESSAGE = '${FAULT_MESSAGE}'; END$migtest$`;
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

/** The fault of `faults` that fires in block `block`, if any (the first one). */
export function faultIn(faults: Fault[] | undefined, block: number): Fault | undefined {
  return faults?.find((f) => f.block === block);
}

/** Every fault of `faults` in block `block`, by boundary. */
export function faultsIn(faults: Fault[] | undefined, block: number): Fault[] {
  return (faults ?? []).filter((f) => f.block === block).sort((a, b) => a.at - b.at);
}

/** Faults as runners receive them: one, several, or none. */
export type Faults = Fault | Fault[] | undefined;

export function listOf(faults: Faults): Fault[] {
  return faults === undefined ? [] : Array.isArray(faults) ? faults : [faults];
}

/*
 * Counting: a transient or ack-lost fault fires its first `times` times only. Models place a fault
 * in their own coordinates (a migration of a block, the statements left after a resume) with
 * `moved`, and every copy counts against the fault the case made, which lives as long as the case.
 */
const firings = new WeakMap<Fault, number>();
const origins = new WeakMap<Fault, Fault>();

function origin(fault: Fault): Fault {
  return origins.get(fault) ?? fault;
}

/** The same fault at another index (a model's own coordinates), counting its firings with the original. */
export function moved(fault: Fault, at: number): Fault {
  const copy = { ...fault, at };
  origins.set(copy, origin(fault));
  return copy;
}

/** Whether the fault fires if its boundary is reached now. */
export function armed(fault: Fault): boolean {
  if (fault.kind !== 'transient' && fault.kind !== 'ack-lost') return true;
  return fired(fault) < (fault.times ?? 1);
}

/** Counts one firing of the fault. */
export function fire(fault: Fault): void {
  const o = origin(fault);
  firings.set(o, (firings.get(o) ?? 0) + 1);
}

/** How many times the fault has fired so far. */
export function fired(fault: Fault): number {
  return firings.get(origin(fault)) ?? 0;
}

/** Whether an error means the connection is gone: the client cannot send anything more on it. */
export function isConnectionLost(sqlstate: string): boolean {
  return sqlstate === '57P01' || sqlstate.startsWith('08');
}
