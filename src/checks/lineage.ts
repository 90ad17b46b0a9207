import type pg from 'pg';
import { lineageOf, readRoles, reconcileRoles, type LineageRoles } from '../postgres/cluster-roles.js';
import { readSystemSettings, restoreSystemSettings, sameSettings, type SystemSettings } from '../postgres/system-settings.js';
import type { DatabaseHandle } from '../postgres/types.js';

/*
 * What a set changes on the server outside its database (src/migrations/cluster.ts), made per
 * case as its database is: each database has a lineage (the runs that made it, through the states
 * it was copied from), and the server's settings (ALTER SYSTEM) and the roles the set made are
 * those of the lineage of the database being run or read. Two cases at once would see each
 * other's, so a set with such changes runs its cases one at a time (States.serial).
 */

/** The server-wide part of a kept state, as its lineage left it. */
export interface ClusterState {
  settings?: SystemSettings;
  roles?: LineageRoles;
}

export class ClusterLineage {
  readonly #of = new Map<string, ClusterState>();
  #baseline: Promise<SystemSettings> | undefined;
  /** OIDs of the roles the set's runs made: the only roles ever renamed or altered. */
  readonly #managed = new Set<number>();
  /** Roles that existed before the set's first run (the bootstrap superuser, --role's, a shared server's others). */
  #before: Promise<Set<number>> | undefined;

  constructor(
    readonly settings: boolean,
    readonly roles: boolean,
  ) {}

  get active(): boolean {
    return this.settings || this.roles;
  }

  /** What a state records of its lineage's server-wide part. */
  stateOf(db: DatabaseHandle): ClusterState | undefined {
    return this.active ? this.#of.get(db.name) : undefined;
  }

  /** A new database copied from a state continues that state's lineage. */
  async inherit(db: DatabaseHandle, from: ClusterState | undefined): Promise<void> {
    if (!this.active) return;
    this.#of.set(db.name, from ?? { ...(this.settings ? { settings: await this.baseline(db) } : {}), roles: [] });
  }

  /**
   * Runs `work` (a run of the set) on `db` under its lineage's server-wide state, then records what
   * the run made of it, and puts the server's own settings back: migtest's own work (copies, hashes,
   * other cases' starts) always runs under those.
   */
  async around<T>(db: DatabaseHandle, work: () => Promise<T>): Promise<T> {
    if (!this.active) return work();
    await this.enter(db);
    try {
      return await work();
    } finally {
      const client = await this.client(db);
      try {
        const state: ClusterState = {};
        if (this.settings) state.settings = await readSystemSettings(client);
        if (this.roles) {
          const before = await this.before(db);
          const all = await readRoles(client);
          for (const role of all) if (!before.has(role.oid)) this.#managed.add(role.oid);
          state.roles = lineageOf(all, this.#managed);
        }
        this.#of.set(db.name, state);
      } finally {
        await client.end();
      }
      if (this.settings) await this.applySettings(db, await this.baseline(db));
    }
  }

  /**
   * Before `db` is read (hashed, snapshotted): its lineage's roles under their names, since the
   * catalogs name a role through its current name.
   */
  async read<T>(db: DatabaseHandle, work: () => Promise<T>): Promise<T> {
    if (this.roles) await this.enterRoles(db);
    return work();
  }

  private async enter(db: DatabaseHandle): Promise<void> {
    const state = this.#of.get(db.name);
    if (this.settings) await this.applySettings(db, state?.settings ?? (await this.baseline(db)));
    if (this.roles) await this.enterRoles(db);
  }

  private async enterRoles(db: DatabaseHandle): Promise<void> {
    const before = await this.before(db);
    const wanted = this.#of.get(db.name)?.roles ?? [];
    const client = await this.client(db);
    try {
      const current = await readRoles(client);
      const statements = reconcileRoles(current, wanted, this.#managed);
      for (const sql of statements) await client.query(sql);
      if (statements.some((s) => s.startsWith('CREATE ROLE'))) {
        // A role made anew has a new OID: the lineage names it from now on.
        const all = await readRoles(client);
        for (const role of all) if (!before.has(role.oid)) this.#managed.add(role.oid);
        const names = new Set(wanted.map((r) => r.name));
        this.#of.set(db.name, { ...this.#of.get(db.name), roles: lineageOf(all, this.#managed).filter((r) => names.has(r.name)) });
      }
    } finally {
      await client.end();
    }
  }

  private before(db: DatabaseHandle): Promise<Set<number>> {
    return (this.#before ??= this.client(db).then((c) =>
      readRoles(c)
        .then((roles) => new Set(roles.map((r) => r.oid)))
        .finally(() => c.end()),
    ));
  }

  private baseline(db: DatabaseHandle): Promise<SystemSettings> {
    return (this.#baseline ??= this.client(db).then((c) => readSystemSettings(c).finally(() => c.end())));
  }

  /** A superuser session that a set's settings (read-only transactions, short timeouts) do not hinder. */
  private async client(db: DatabaseHandle): Promise<pg.Client> {
    const client = await db.connect();
    await client.query('SET default_transaction_read_only = off; SET statement_timeout = 0; SET lock_timeout = 0');
    return client;
  }

  private async applySettings(db: DatabaseHandle, wanted: SystemSettings): Promise<void> {
    const client = await this.client(db);
    try {
      if (!sameSettings(await readSystemSettings(client), wanted)) {
        await restoreSystemSettings(client, wanted, () => this.client(db));
      }
    } finally {
      await client.end();
    }
  }
}
