import { createHash } from 'node:crypto';
import pg from 'pg';
import type { MigrationSet } from '../../migrations/types.js';
import { track } from '../../postgres/cleanup.js';
import { ident } from '../../postgres/server.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import type { ClusterObjects } from '../types.js';
import { coddConnection } from './format.js';
import { CLUSTER_KINDS, isDatabaseObject, parseOne } from './sql.js';

/*
 * Cluster-level objects: databases and roles the set creates, per case lineage. What
 * docs/runners/codd.md ("Cluster-level objects") describes: every database the set creates or
 * connects to exists once per case, named after the case's database, and goes with it.
 */

/** What runs made outside one case's database, and what its copies inherit. */
export interface Lineage {
  key: string;
  config: pg.ClientConfig;
  /** The case's database. */
  database: string;
  /** The set's name of each database runs made for this case → its name on the server. */
  databases: Map<string, string>;
  /** Roles this case's runs created (or found made by another case and took as theirs). */
  roles: Set<string>;
  /** The owner the set gave the default database, applied to the case's database. */
  owner?: string;
  /** Set once the lineage holds something to drop at exit. */
  untrack?: () => void;
}

function serverKey(config: pg.ClientConfig): string {
  return `${String(config.host)}:${String(config.port)}`;
}

function lineageKey(db: DatabaseHandle): string {
  return `${serverKey(db.config)}\u0000${db.name}`;
}

/**
 * A database the set names, made for one case: the case's name, the set's name and a hash (the
 * set's name may need quoting or be long), within PostgreSQL's 63 bytes. The case's name comes
 * first and whole whenever it fits, so that the owner record in a scratch database's name
 * (postgres/owner.ts) covers the databases a run makes for it too: a later run reaps them.
 */
export function caseDatabaseName(caseDatabase: string, setName: string): string {
  const hash = createHash('sha256').update(setName).digest('hex').slice(0, 6);
  const room = 63 - caseDatabase.length - '__'.length - '_'.length - hash.length;
  const base = room >= 0 ? caseDatabase : `mt_${createHash('sha256').update(caseDatabase).digest('hex').slice(0, 12)}`;
  const slug = setName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, room >= 0 ? Math.min(20, room) : 20);
  return `${base}__${slug}_${hash}`;
}

/** A connection for work outside the case's database: to it, else to a database every cluster has. */
export async function adminClient(config: pg.ClientConfig, database: string): Promise<pg.Client> {
  let last: unknown;
  for (const name of [database, 'postgres', 'template1']) {
    const client = new pg.Client({ ...config, database: name });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch (error) {
      last = error;
      await client.end().catch(() => undefined);
    }
  }
  throw last;
}

/**
 * The cluster-level objects of every case the model's runs touched, on every server: the
 * lineages of the cases' databases, and the roles runs created on each server. Roles belong to a
 * server, not to a run: one made by a case of one run may be held by a case of another run on
 * the same server (a shared container, a url), so a role is dropped only when no lineage holds
 * it. The model owns one (`coddModel`); each case's entries go when the case's database does.
 */
export class CoddCluster implements ClusterObjects {
  readonly #lineages = new Map<string, Lineage>();
  /** Roles that runs created on each server (by `host:port`), dropped when no case holds them. */
  readonly #createdRoles = new Map<string, Set<string>>();
  /** Whether a set names databases or roles at all, once per set. */
  readonly #touching = new WeakMap<MigrationSet, boolean>();

  lineageOf(db: DatabaseHandle): Lineage | undefined {
    return this.#lineages.get(lineageKey(db));
  }

  newLineage(db: DatabaseHandle): Lineage {
    const lineage: Lineage = { key: lineageKey(db), config: db.config, database: db.name, databases: new Map(), roles: new Set() };
    this.#lineages.set(lineage.key, lineage);
    return lineage;
  }

  /** What a lineage holds is migtest's to drop, also when the process is interrupted. */
  hold(lineage: Lineage): void {
    lineage.untrack ??= track({
      label: `databases and roles made by codd runs for ${lineage.database}`,
      release: () => this.#releaseLineage(lineage),
      releaseSync: () => undefined,
    });
  }

  addDatabase(lineage: Lineage, setName: string, name: string): void {
    lineage.databases.set(setName, name);
    this.hold(lineage);
  }

  /** A role a case's run created on its server (not one it found made). */
  created(config: pg.ClientConfig, role: string): void {
    let mine = this.#createdRoles.get(serverKey(config));
    if (!mine) this.#createdRoles.set(serverKey(config), (mine = new Set()));
    mine.add(role);
  }

  /** Whether a set names databases or roles at all (connections, CREATE DATABASE, CREATE ROLE, …). */
  touches(set: MigrationSet): boolean {
    let found = this.#touching.get(set);
    if (found === undefined) {
      found = set.migrations.some(
        (m) =>
          coddConnection(m) !== undefined ||
          m.up.statements.some((s) => {
            if (!CLUSTER_KINDS.has(s.kind)) return false;
            const node = parseOne(s.sql);
            return node !== undefined && (isDatabaseObject(node) || 'CreateRoleStmt' in node || 'DropRoleStmt' in node);
          }),
      );
      this.#touching.set(set, found);
    }
    return found;
  }

  async copy(from: DatabaseHandle, to: DatabaseHandle): Promise<void> {
    await this.copyLineage(from, to);
  }

  async release(db: DatabaseHandle): Promise<void> {
    const lineage = this.lineageOf(db);
    if (lineage) await this.#releaseLineage(lineage);
  }

  databases(db: DatabaseHandle): string[] {
    return [...(this.lineageOf(db)?.databases.values() ?? [])];
  }

  key(db: DatabaseHandle): string {
    const lineage = this.lineageOf(db);
    if (!lineage) return '';
    // By the set's names: the names on the server differ from case to case.
    return JSON.stringify([[...lineage.databases.keys()].sort(), [...lineage.roles].sort(), lineage.owner ?? null]);
  }

  /**
   * Gives `to` a copy of what runs made for `from` outside it: its roles, a copy of each database
   * but those in `without` (the set's names), and, unless the default database is among them, its owner.
   */
  async copyLineage(from: DatabaseHandle, to: DatabaseHandle, without: string[] = [], defaultName?: string): Promise<void> {
    const source = this.lineageOf(from);
    if (!source) return;
    const target = this.lineageOf(to) ?? this.newLineage(to);
    target.roles = new Set(source.roles);
    if (target.roles.size > 0) this.hold(target);
    const owner = defaultName !== undefined && without.includes(defaultName) ? undefined : source.owner;
    if (owner !== undefined) target.owner = owner;
    const client = await adminClient(to.config, to.name);
    try {
      const num = Number((await client.query<{ n: string }>(`SELECT current_setting('server_version_num') AS n`)).rows[0]?.n);
      const strategy = num >= 150000 ? ' STRATEGY FILE_COPY' : '';
      for (const [setName, name] of source.databases) {
        if (without.includes(setName)) continue;
        const copy = caseDatabaseName(to.name, setName);
        await client.query(`CREATE DATABASE ${ident(copy)} TEMPLATE ${ident(name)}${strategy}`);
        this.addDatabase(target, setName, copy);
      }
      if (owner !== undefined) await client.query(`ALTER DATABASE ${ident(to.name)} OWNER TO ${ident(owner)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** `dropdb` of databases runs made for the case, outside the case's own database. */
  async dropInPlace(db: DatabaseHandle, names: string[]): Promise<void> {
    const lineage = this.lineageOf(db);
    if (!lineage) return;
    const client = await adminClient(db.config, db.name);
    try {
      for (const setName of names) {
        const name = lineage.databases.get(setName);
        if (name) await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
        lineage.databases.delete(setName);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async #releaseLineage(lineage: Lineage): Promise<void> {
    this.#lineages.delete(lineage.key);
    lineage.untrack?.();
    if (lineage.databases.size === 0 && lineage.roles.size === 0) return;
    const client = await adminClient(lineage.config, lineage.database).catch(() => undefined);
    if (!client) return;
    try {
      for (const name of lineage.databases.values()) {
        await client.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`).catch(() => undefined);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await this.#dropRoles(lineage);
  }

  /**
   * Drops the roles runs created that no case holds any more. The case's own database, about to
   * be dropped, may still hold objects of a role (and be owned by it): they are handed to
   * migtest's user there first. Best effort: a role that owns something elsewhere stays.
   */
  async #dropRoles(lineage: Lineage): Promise<void> {
    const server = serverKey(lineage.config);
    const mine = this.#createdRoles.get(server) ?? new Set<string>();
    const free = [...lineage.roles].filter(
      (role) => mine.has(role) && ![...this.#lineages.values()].some((l) => serverKey(l.config) === server && l.roles.has(role)),
    );
    if (free.length === 0) return;
    const own = new pg.Client({ ...lineage.config, database: lineage.database });
    own.on('error', () => undefined);
    const inCase = await own.connect().then(
      () => true,
      () => false,
    );
    try {
      for (const role of free) {
        if (inCase) await own.query(`REASSIGN OWNED BY ${ident(role)} TO CURRENT_USER; DROP OWNED BY ${ident(role)}`).catch(() => undefined);
      }
    } finally {
      await own.end().catch(() => undefined);
    }
    const client = await adminClient(lineage.config, 'postgres').catch(() => undefined);
    if (!client) return;
    try {
      for (const role of free) {
        await client.query(`DROP ROLE IF EXISTS ${ident(role)}`).then(
          () => mine.delete(role),
          () => undefined,
        );
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
