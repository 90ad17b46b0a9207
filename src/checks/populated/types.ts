import type fc from 'fast-check';
import type { DataPlan, Inserted, Shapes } from '../../data/types.js';
import type { State, States } from '../states.js';
import type { Boundary } from './boundaries.js';

/** Rows per table when `--rows` is not given: enough for duplicates and NULLs, few enough to read. */
export const DEFAULT_ROWS = 5;

/** Data sets drawn where a case starts (each a copy, an insert and the runs after it); more with --exhaustive. */
export const DATA_RUNS = 4;
export const EXHAUSTIVE_DATA_RUNS = 10;

/** What every case of a run shares. */
export interface CaseSetup {
  states: States;
  rows: number;
  /** The runner runs every file on every run: the run after the upgrade runs them all again. */
  rerunAll: boolean;
  /** A retry policy is in effect (the tool's own, or `--retry`): a lost ack makes it do committed work again. */
  ackLost: boolean;
  baselines: BaselineSource;
  reproduce: string;
}

/** Where a case starts. */
export interface CaseStart {
  boundary: Boundary;
  state: State;
  shapes: Shapes;
  arbitrary: fc.Arbitrary<DataPlan>;
}

/** The rows a case put in: how many the server kept, and which (for the INSERT statements). */
export interface Accepted {
  rows: number;
  inserted: Inserted[];
}

/**
 * What the same runs do without the generated rows, per boundary: a failure or a change they show
 * belongs to the checks that run without data (twice, resume, retry), so a case reports only what
 * the rows add.
 */
export interface Baseline {
  upgradeFails: boolean;
  againFails: boolean;
  /** Tables the run again changes on the empty tables. */
  changed: Set<string>;
  ackLostFails: boolean;
  /** Tables a lost ack leaves otherwise than the clean run, on the empty tables. */
  ackLostChanged: Set<string>;
}

export interface BaselineSource {
  of(start: CaseStart): Promise<Baseline>;
}

export { tableOf } from '../../snapshot/types.js';
