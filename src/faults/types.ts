import type { Statement } from '../migrations/types.js';

export type FaultKind = 'error' | 'terminate' | 'transient' | 'ack-lost' | 'crash';

/**
 * Something injected at a statement boundary: before `before` runs (or at the end of a block).
 *
 * - `error`, `terminate`, `crash` fire every time the boundary is reached.
 * - `transient` fires the first `times` times the boundary is reached (over all the tries of a
 *   run), and not after: a serialization failure (40001), a deadlock (40P01), or, with SQLSTATE
 *   08006, a lost connection (the backend is terminated).
 * - `ack-lost` lets statement `at` (or, with `at` = the block's length, the block's COMMIT) commit,
 *   then kills the connection before the client reads the answer: the work is done, and the client
 *   sees a lost connection. It fires the first `times` times too (default 1).
 */
export interface Fault {
  kind: FaultKind;
  /** Index of the block in the plan. */
  block: number;
  /**
   * Index of the statement in the block before which the fault fires; = length for "at the end".
   * For `ack-lost`: the statement whose answer is lost; = length for the block's COMMIT.
   */
  at: number;
  /** The statement the fault precedes, for reporting. */
  before?: Statement;
  /** For `error` and `transient`: the SQLSTATE raised (08006 for `transient`: the connection is lost). */
  sqlstate?: string;
  /** For `transient` and `ack-lost`: how many times it fires (default 1). */
  times?: number;
  /** For `crash`: the statement that kills the server (from the provider). */
  sql?: string;
}
