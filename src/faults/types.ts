import type { Statement } from '../migrations/types.js';

export type FaultKind = 'error' | 'terminate' | 'transient' | 'ack-lost' | 'crash';

/** Something injected at a statement boundary: before `before` runs (or at the end of a block). */
export interface Fault {
  kind: FaultKind;
  /** Index of the block in the plan. */
  block: number;
  /** Index of the statement in the block before which the fault fires; = length for "at the end". */
  at: number;
  /** The statement the fault precedes, for reporting. */
  before?: Statement;
  /** For `error` and `transient`: the SQLSTATE raised. */
  sqlstate?: string;
  /** For `transient`: how many times it fires. */
  times?: number;
  /** For `crash`: the statement that kills the server (from the provider). */
  sql?: string;
}
