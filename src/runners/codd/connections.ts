import pg from 'pg';
import type { Migration } from '../../migrations/types.js';
import { ident } from '../../postgres/server.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { toPgError } from '../execute.js';
import type { PgError } from '../types.js';
import { adminClient, caseDatabaseName, type CoddCluster, type Lineage } from './cluster.js';
import { coddConnection } from './format.js';
import type { Settings } from './plan.js';

/** Databases of a fresh cluster that a set may connect to without creating them. */
const CLUSTER_DATABASES = new Set(['postgres', 'template1']);

/** Where a migration runs: a database on the server under test, as a user. */
export interface Target {
  /** The set's name for the database ('' for the default connection without a name). */
  setName: string;
  /** The database on the server under test. */
  database: string;
  user: string;
  /** On the case's database: codd records in-txn migrations in their own transaction there. */
  defaultDb: boolean;
  /** The default connection itself (same database and user). */
  defaultConn: boolean;
  /** For messages: the connection string without its password. */
  label: string;
}

/** codd could not open a connection: its error, worded as codd words it. */
export class ConnectError extends Error {
  constructor(readonly pgError: PgError) {
    super(pgError.message);
  }
}

/**
 * The connections of one run of codd, one per database and user, opened when first needed, and
 * the transaction status of each from its last ReadyForQuery: I (idle), T (in a transaction), E (failed).
 */
export class Connections {
  readonly #clients = new Map<string, pg.Client>();
  readonly #status = new WeakMap<pg.Client, string>();
  readonly #user: string;

  constructor(
    readonly cluster: CoddCluster,
    readonly db: DatabaseHandle,
    readonly settings: Settings,
    readonly lineage: Lineage,
  ) {
    this.#user = settings.user ?? String(db.config.user ?? 'postgres');
  }

  /** The transaction status of a client this run opened ('I' before its first answer). */
  status(client: pg.Client): string {
    return this.#status.get(client) ?? 'I';
  }

  get defaultTarget(): Target {
    const name = this.settings.database ?? '';
    return { setName: name, database: this.db.name, user: this.#user, defaultDb: true, defaultConn: true, label: 'the default connection (CODD_CONNECTION)' };
  }

  targetOf(migration: Migration): Target {
    const c = coddConnection(migration);
    if (!c) return this.defaultTarget;
    const user = c.user || String(this.db.config.user ?? 'postgres');
    if (c.database === this.settings.database) {
      return { setName: c.database, database: this.db.name, user, defaultDb: true, defaultConn: user === this.#user, label: c.display };
    }
    return { setName: c.database, database: caseDatabaseName(this.db.name, c.database), user, defaultDb: false, defaultConn: false, label: c.display };
  }

  /** codd's view of whether a database exists yet: the default one only once the set has created it. */
  #missing(target: Target): PgError | undefined {
    if (target.defaultDb && this.settings.createsDefault && !this.lineage.databases.has(this.settings.database!)) {
      return { sqlstate: '3D000', message: `database "${this.settings.database}" does not exist (the set creates it, and has not yet)` };
    }
    return undefined;
  }

  async open(target: Target): Promise<pg.Client> {
    const key = `${target.database}\u0000${target.user}`;
    const open = this.#clients.get(key);
    if (open) return open;
    const missing = this.#missing(target);
    if (missing) throw new ConnectError(missing);
    if (!target.defaultDb && CLUSTER_DATABASES.has(target.setName) && !this.lineage.databases.has(target.setName)) {
      await this.#makeClusterDatabase(target.setName);
    }
    const client = new pg.Client({ ...this.db.config, database: target.database, user: target.user });
    client.on('error', () => {
      // A terminated backend is an expected outcome; it surfaces through the query that was running.
    });
    this.#status.set(client, 'I');
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('readyForQuery', (message: { status?: string }) => {
      if (message.status) this.#status.set(client, message.status);
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      const e = toPgError(error);
      const where = target.defaultConn ? target.label : `-- codd-connection: ${target.label} (database ${target.database} on the server under test)`;
      throw new ConnectError({ ...e, message: `cannot connect with ${where}: ${e.message}` });
    }
    this.#clients.set(key, client);
    return client;
  }

  /** A stand-in for `postgres` or `template1`, which every fresh cluster has: migtest never changes the server's own. */
  async #makeClusterDatabase(setName: string): Promise<void> {
    const name = caseDatabaseName(this.db.name, setName);
    const client = await adminClient(this.db.config, this.db.name);
    try {
      const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${ident(name)} TEMPLATE template0`);
      this.cluster.addDatabase(this.lineage, setName, name);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) await client.end().catch(() => undefined);
    this.#clients.clear();
  }
}
