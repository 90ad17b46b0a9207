import type pg from 'pg';

/** A database on a server under test, created by migtest (and so migtest's to drop). */
export interface DatabaseHandle {
  name: string;
  /** Connection settings for this database; passwords never reach output. */
  config: pg.ClientConfig;
  /** A new connected client on this database. The caller ends it. */
  connect(): Promise<pg.Client>;
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
  /** Stops the server (or, for `url`, drops every database it created) and removes what it made. */
  stop(): Promise<void>;
}

export interface CrashSupport {
  /** A statement that kills the server process (and the backend running it) when it runs. */
  sql(): string;
  /** Starts the server again after a crash; PostgreSQL recovers from its WAL. */
  restart(): Promise<void>;
}

export interface Provider {
  name: string;
  start(options: { major?: number }): Promise<Server>;
}

/** Infrastructure failure (PostgreSQL could not start, …): exit code 2, never confused with 1. */
export class InfrastructureError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
}
