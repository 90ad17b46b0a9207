import type pg from 'pg';
import type { Limits } from './limits.js';

/** A database on a server under test, created by migtest (and so migtest's to drop). */
export interface DatabaseHandle {
  name: string;
  /** Connection settings for this database; passwords never reach output. */
  config: pg.ClientConfig;
  /** A new connected client on this database. The caller ends it. */
  connect(): Promise<pg.Client>;
  /**
   * The same database reached as another role (`--role`): what a set's run connects with, while
   * snapshots keep reading as the server's superuser. Absent where the provider cannot.
   */
  as?(login: Login): DatabaseHandle;
}

/** A role to log in as, and its password where the server asks for one (never printed). */
export interface Login {
  user: string;
  password?: string;
}

/** A running PostgreSQL server that serves a whole run. */
export interface Server {
  /** The provider it comes from: `embedded`, `container` or `url`. */
  provider: string;
  /** The major version, e.g. `17`. */
  major: number;
  /** `server_version`, e.g. `17.6`. */
  version: string;
  /**
   * A new empty scratch database, or a copy of `template` (a database made by this server
   * object). Copies use `CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY` where the server has it.
   */
  createDatabase(options?: { template?: string }): Promise<DatabaseHandle>;
  /** Drops a database that this server object created. Refuses any other. */
  dropDatabase(name: string): Promise<void>;
  /** How to crash this server at a statement boundary and bring it back, where the provider can. */
  crash?: CrashSupport;
  /** The bytes a database takes on disk (`pg_database_size`), where the server can say. */
  databaseSize?(name: string): Promise<number>;
  /** `max_connections` and the connections open now, read once by whoever sizes parallel work on it. */
  connections?(): Promise<{ max: number; used: number }>;
  /** The folder the cluster's files live in, where migtest made it (its free space bounds kept states). */
  storage?: string;
  /** Stops the server (or, for `url`, drops every database it created) and removes what it made. */
  stop(): Promise<void>;
}

export interface CrashSupport {
  /** A statement that kills the server process (and the backend running it) when it runs. */
  sql(): string;
  /** Starts the server again after a crash; PostgreSQL recovers from its WAL. */
  restart(): Promise<void>;
}

/** What one server of a run is started from. */
export interface StartOptions {
  /**
   * The major version asked for with `--pg`. Absent: the provider's default (embedded) or whatever
   * the server runs (a container image without `{pg}`, a url). Present, the server must run it.
   */
  major?: number;
  /** `container`: the image, `{pg}` already replaced by `major`. */
  image?: string;
  /** `url`: the connection string of an existing server (it may hold a password: never print it). */
  url?: string;
  /** Timeouts; absent ones take DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
}

export interface Provider {
  name: string;
  /** Refuses, before any server starts, what cannot work (a missing version, a bad url). */
  check?(options: StartOptions): void;
  start(options: StartOptions): Promise<Server>;
}

/** Infrastructure failure (PostgreSQL could not start, …): exit code 2, never confused with 1. */
export class InfrastructureError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
}
