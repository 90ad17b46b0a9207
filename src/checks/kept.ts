import type { DatabaseHandle, Server } from '../postgres/types.js';
import type { Trace } from '../runners/types.js';
import { TemplateBudget } from './budget.js';

/** Case databases kept after use before the oldest are dropped, whatever the budget. */
const CASES_KEPT = 64;
/** The size of a database not measured (a server that cannot say): an empty one with a few tables. */
const UNMEASURED = 8 * 1024 ** 2;

/** A database a build left, with the run that left it. */
export interface Built {
  db: DatabaseHandle;
  trace: Trace;
  /** Hashed raw only when kept: the canonical hashes are read when a comparison first needs them. */
  rawOnly?: true;
}

/** What keeping needs of the states it keeps for (src/checks/states.ts). */
export interface KeptHost<State extends { db: DatabaseHandle }> {
  server: Server;
  /** The state of a database just built: its hashes, its lineage. `previous`: what it was before it was given back. */
  make(built: Built, previous?: State): Promise<State>;
  /** Drops a database in the background (with what runs made outside it). */
  release(db: DatabaseHandle): void;
}

interface Entry<State> {
  key: string;
  build: () => Promise<Built>;
  state: Promise<State>;
  /** The database now: set once built, cleared when given back. */
  db: DatabaseHandle | undefined;
  building: boolean;
  rebuilding: Promise<void> | undefined;
  /** Never given back: a state every check starts from (empty, fresh). */
  permanent: boolean;
}

/**
 * The template databases of a run's states, within a budget of bytes (`--memory`): over it, the
 * least recently used are dropped, and a state that is needed again is built again by its own
 * build (which starts from the nearest state still kept). A state keeps its identity when it is
 * rebuilt, so what was read of it once (its snapshot, its relaxed reference) stays valid: a rebuild
 * reaches the same state, with the values PostgreSQL makes anew in every run made anew.
 */
export class KeptTemplates<State extends { db: DatabaseHandle }> {
  readonly #entries = new Map<string, Entry<State>>();
  readonly #byState = new WeakMap<State, Entry<State>>();
  readonly #budget: TemplateBudget<string>;
  /** Case databases given back and not dropped yet, oldest first, with their estimated size. */
  readonly #done: { db: DatabaseHandle; bytes: number }[] = [];
  #doneBytes = 0;
  /** Estimated sizes of case databases, by name: the size of what they were copied from. */
  readonly #estimates = new Map<string, number>();
  /** What was built and rebuilt, and the most kept at once: for measurements and tests. */
  readonly stats = { built: 0, rebuilt: 0, released: 0, peakBytes: 0, peakKept: 0 };

  constructor(
    private readonly host: KeptHost<State>,
    readonly limit: number,
  ) {
    this.#budget = new TemplateBudget<string>(limit);
  }

  /** The state under `key`, built by `build` the first time it is asked for. */
  reach(key: string, build: () => Promise<Built>, permanent = false): Promise<State> {
    const known = this.#entries.get(key);
    if (known) return known.state;
    const entry: Entry<State> = { key, build, db: undefined, building: true, rebuilding: undefined, permanent, state: undefined as unknown as Promise<State> };
    this.#entries.set(key, entry);
    entry.state = (async () => {
      try {
        const state = await this.host.make(await build());
        this.#byState.set(state, entry);
        await this.#kept(entry, state.db);
        this.stats.built++;
        return state;
      } finally {
        entry.building = false;
      }
    })();
    return entry.state;
  }

  /** Whether the state under `key` is kept now or on its way: a good start for a state after it. */
  available(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && (entry.building || entry.db !== undefined || entry.rebuilding !== undefined);
  }

  /**
   * Runs `body` with the database of `state`, rebuilt first if it was given back; it is not given
   * back while `body` runs. A state kept elsewhere (not reached here) is used as it is.
   */
  async use<T>(state: State, body: (db: DatabaseHandle) => Promise<T>): Promise<T> {
    const entry = this.#byState.get(state);
    if (!entry) return body(state.db);
    this.#budget.pin(entry.key);
    try {
      while (entry.db === undefined) await this.#rebuild(entry, state);
      this.#budget.touch(entry.key);
      return await body(entry.db);
    } finally {
      this.#budget.unpin(entry.key);
    }
  }

  /** The estimated size of a copy of `state` (its template's), remembered for the copy `name`. */
  copied(state: State | undefined, name: string): void {
    const entry = state ? this.#byState.get(state) : undefined;
    this.#estimates.set(name, (entry && this.#budget.bytes(entry.key)) ?? UNMEASURED);
  }

  /**
   * A case's database given back. Dropping costs the server more than copying did, so some of them
   * wait (up to CASES_KEPT, within the budget, before any kept state goes): most runs end first,
   * and then the server's own removal does the work in one go.
   */
  retire(db: DatabaseHandle): void {
    const bytes = this.#estimates.get(db.name) ?? UNMEASURED;
    this.#estimates.delete(db.name);
    this.#done.push({ db, bytes });
    this.#doneBytes += bytes;
    this.#fit();
  }

  /** Every database kept now (states and retired cases), for what the end of a run releases. */
  databases(): DatabaseHandle[] {
    const kept = [...this.#entries.values()].flatMap((e) => (e.db ? [e.db] : []));
    return [...kept, ...this.#done.map((d) => d.db)];
  }

  /** Gives back, for good, the states whose keys start with `prefix` (a check's own states, at its end). */
  async forget(prefix: string): Promise<void> {
    for (const entry of [...this.#entries.values()]) {
      if (!entry.key.startsWith(prefix)) continue;
      await entry.state.catch(() => undefined);
      await entry.rebuilding?.catch(() => undefined);
      this.#entries.delete(entry.key);
      this.#budget.remove(entry.key);
      if (entry.db) this.host.release(entry.db);
      entry.db = undefined;
    }
  }

  async #kept(entry: Entry<State>, db: DatabaseHandle): Promise<void> {
    const bytes = (await this.host.server.databaseSize?.(db.name).catch(() => undefined)) ?? UNMEASURED;
    entry.db = db;
    this.#budget.add(entry.key, bytes);
    if (entry.permanent) this.#budget.pin(entry.key);
    // Not the state just made: it is about to be used.
    this.#budget.pin(entry.key);
    this.#fit();
    this.#budget.unpin(entry.key);
  }

  #rebuild(entry: Entry<State>, state: State): Promise<void> {
    entry.rebuilding ??= (async () => {
      try {
        const rebuilt = await this.host.make(await entry.build(), state);
        Object.assign(state, rebuilt);
        this.stats.rebuilt++;
        await this.#kept(entry, rebuilt.db);
      } finally {
        entry.rebuilding = undefined;
      }
    })();
    return entry.rebuilding;
  }

  /** Drops what is over the budget: retired cases first (oldest first), then kept states least recently used. */
  #fit(): void {
    while (this.#done.length > CASES_KEPT || (this.#done.length > 0 && this.#budget.total + this.#doneBytes > this.limit)) {
      const { db, bytes } = this.#done.shift()!;
      this.#doneBytes -= bytes;
      this.host.release(db);
    }
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.#budget.total);
    this.stats.peakKept = Math.max(this.stats.peakKept, this.#budget.size);
    for (const key of this.#budget.over()) {
      const entry = this.#entries.get(key)!;
      const db = entry.db!;
      entry.db = undefined;
      this.stats.released++;
      this.host.release(db);
    }
  }
}
