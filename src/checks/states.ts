import type { MigrationSet } from '../migrations/types.js';
import type { DatabaseHandle, Server } from '../postgres/types.js';
import type { RunnerModel, Trace } from '../runners/types.js';
import { takeSnapshot } from '../snapshot/snapshot.js';
import type { Snapshot } from '../snapshot/types.js';

/** A database state reached once and kept as a template, with what it took to reach it. */
export interface State {
  db: DatabaseHandle;
  trace: Trace;
  snapshot: Snapshot;
}

/**
 * The states of one run, reached once and reused by every check and case: a case gets a copy
 * (`CREATE DATABASE … TEMPLATE`) instead of applying the prefix again.
 */
export class States {
  readonly #reached = new Map<string, Promise<State>>();

  constructor(
    readonly server: Server,
    readonly set: MigrationSet,
    readonly model: RunnerModel,
  ) {}

  /** Tracker tables of the model, as qualified names, kept apart from the schema. */
  get trackers(): string[] {
    const tracker = this.model.tracker;
    return tracker ? [`${tracker.schema}.${tracker.table}`] : [];
  }

  async snapshot(db: DatabaseHandle): Promise<Snapshot> {
    const client = await db.connect();
    try {
      return await takeSnapshot(client, { trackers: this.trackers });
    } finally {
      await client.end();
    }
  }

  /** The state after one full run of the model on an empty database. */
  fresh(): Promise<State> {
    return this.reach('fresh', async () => {
      const db = await this.server.createDatabase();
      const trace = await this.model.run(this.set, db);
      return { db, trace, snapshot: await this.snapshot(db) };
    });
  }

  /** A new scratch database that starts as a copy of `state`. */
  copy(state: State): Promise<DatabaseHandle> {
    return this.server.createDatabase({ template: state.db.name });
  }

  async drop(db: DatabaseHandle): Promise<void> {
    await this.server.dropDatabase(db.name);
  }

  private reach(key: string, build: () => Promise<State>): Promise<State> {
    let state = this.#reached.get(key);
    if (!state) {
      state = build();
      this.#reached.set(key, state);
    }
    return state;
  }
}
