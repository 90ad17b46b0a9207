import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import type { Snapshot } from '../snapshot/types.js';
import { calibrate, referenceOf, type Calibrated, type Calibration, type RelaxedReference } from './calibration.js';

/** What the reads of kept states need of the states they belong to (a model's run, or a real tool's). */
export interface KeptStates<S extends { db: DatabaseHandle }> extends Calibrated<S> {
  copy(state: S): Promise<DatabaseHandle>;
  snapshot(db: DatabaseHandle): Promise<Snapshot>;
}

/**
 * What is read of a kept state once and only when a comparison needs it: its full snapshot, the
 * calibration of the run, and the relaxed reference. Each is read from a copy: a template must have
 * no connection while cases are copied from it.
 */
export class KeptReads<S extends { db: DatabaseHandle }> {
  readonly #snapshots = new WeakMap<S, Promise<Snapshot>>();
  readonly #references = new WeakMap<S, Promise<RelaxedReference>>();
  #calibration: Promise<Calibration> | undefined;

  constructor(private readonly states: KeptStates<S>) {}

  snapshotOf(state: S): Promise<Snapshot> {
    let snapshot = this.#snapshots.get(state);
    if (!snapshot) {
      snapshot = (async () => {
        const db = await this.states.copy(state);
        try {
          return await this.states.snapshot(db);
        } finally {
          await this.states.drop(db);
        }
      })();
      this.#snapshots.set(state, snapshot);
    }
    return snapshot;
  }

  /** Which columns differ between two correct runs: computed once, the first time a comparison needs it. */
  calibration(): Promise<Calibration> {
    return (this.#calibration ??= calibrate(this.states));
  }

  /** What a relaxed comparison with `state` needs (its rules and fingerprints), read once per state. */
  relaxedReference(state: S): Promise<RelaxedReference> {
    let reference = this.#references.get(state);
    if (!reference) {
      reference = this.calibration().then((calibration) => referenceOf(this.states, state, calibration));
      this.#references.set(state, reference);
    }
    return reference;
  }

  /**
   * Reads a kept state on a copy of it. `around`: what the read runs inside (the server settings and
   * roles of the state's lineage), nothing by default.
   */
  async readCopy<T>(
    state: S,
    read: (client: pg.Client) => Promise<T>,
    around: (db: DatabaseHandle, body: () => Promise<T>) => Promise<T> = (_db, body) => body(),
  ): Promise<T> {
    const db = await this.states.copy(state);
    try {
      return await around(db, async () => {
        const client = await db.connect();
        try {
          return await read(client);
        } finally {
          await client.end();
        }
      });
    } finally {
      await this.states.drop(db);
    }
  }
}
