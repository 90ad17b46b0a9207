import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import { stateHash, type StateHash } from '../snapshot/hash.js';
import { checkMark, markState, type Anchor, type MarkCheck, type MarkOptions, type StateMark } from '../snapshot/mark.js';
import { takeSnapshot } from '../snapshot/snapshot.js';
import type { Snapshot } from '../snapshot/types.js';

/**
 * How a mark is read: on a connection the caller keeps, and whether where the sequences stand is
 * part of it (by default it is: src/snapshot/mark.ts); a check of it compares them only then.
 */
export interface MarkReadOptions {
  client?: pg.Client | undefined;
  sequences?: boolean;
  /** An earlier mark of the same database: the new one tells which relations kept its row versions. */
  after?: StateMark | undefined;
}

/** How a mark is checked: on a connection the caller keeps, with later marks standing for some relations (mark.ts, Anchor). */
export interface MarkCheckOptions {
  client?: pg.Client | undefined;
  anchors?: Anchor[];
}

/**
 * What is read of one database's state, with the run's trackers (and the tracker columns that
 * differ from run to run) left as the comparison wants them: its snapshot, its hashes, its mark.
 * A model's states and a real tool's read through the same one (src/checks/states.ts,
 * src/checks/tool/states.ts); `options` is asked at each read, since a real tool's volatile
 * columns are known only after its first run.
 */
export class DatabaseReads {
  constructor(private readonly options: () => MarkOptions) {}

  /** `work` on a new connection to `db` (given back when done), or on `kept`, the caller's. */
  async withClient<T>(db: DatabaseHandle, work: (client: pg.Client) => Promise<T>, kept?: pg.Client): Promise<T> {
    if (kept) return work(kept);
    const client = await db.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  snapshot(db: DatabaseHandle): Promise<Snapshot> {
    return this.withClient(db, async (client) => this.withoutVolatile(await takeSnapshot(client, { trackers: this.options().trackers ?? [] })));
  }

  /**
   * The server-side hashes of a state: the fast way to tell two states apart. Without
   * `canonical`, only the raw digest, data and trackers: enough to see that a state is a
   * template left as it was, in a fraction of the time.
   */
  hash(db: DatabaseHandle, options: { canonical?: boolean; reference?: StateHash } = {}): Promise<StateHash> {
    return this.withClient(db, (client) => this.hashOn(client, options));
  }

  hashOn(client: pg.Client, options: { canonical?: boolean; reference?: StateHash } = {}): Promise<StateHash> {
    return stateHash(client, { ...this.options(), ...options });
  }

  /**
   * The row versions `db` holds now (src/snapshot/mark.ts): proves a later state the same, cheaply,
   * when it is. `client`: a connection to `db` the caller keeps (a new backend's catalog caches are
   * cold, and a mark's cost is mostly planning); `sequences: false`: where the sequences stand is
   * left out of the mark and of its checks.
   */
  mark(db: DatabaseHandle, { client, sequences, after }: MarkReadOptions = {}): Promise<StateMark> {
    return this.withClient(db, (c) => markState(c, { ...this.options(), ...(sequences === undefined ? {} : { sequences }), after }), client);
  }

  /**
   * Whether `db` (the marked database, or a copy of it) holds exactly the state `mark` was read
   * from, and which relations differ; `anchors`: later marks standing for some of them.
   */
  checkMark(db: DatabaseHandle, mark: StateMark, { client, anchors }: MarkCheckOptions = {}): Promise<MarkCheck> {
    return this.withClient(db, (c) => checkMark(c, mark, this.options(), anchors), client);
  }

  /** Tracker columns that differ from run to run (applied_at, …) say nothing about the state. */
  private withoutVolatile(snapshot: Snapshot): Snapshot {
    const volatile = this.options().volatile ?? [];
    if (volatile.length === 0) return snapshot;
    const trackers: Snapshot['trackers'] = {};
    for (const [table, rows] of Object.entries(snapshot.trackers)) {
      trackers[table] = rows
        .map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([k]) => !volatile.includes(k))))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    }
    return { ...snapshot, trackers };
  }
}
