import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { CrashSupport, DatabaseHandle, Server } from './types.js';
import { refuseWhenStopping, RunStopping, track } from './cleanup.js';
import { databasePrefix } from './owner.js';
import { boundConnection, DEFAULT_LIMITS, type Limits } from './limits.js';
import { databaseSettingsQuery, settingStatements, type DatabaseSettingRow } from './database-settings.js';
import { forgetStatements, knowServerVersion } from './prepared.js';

/** Idle connections kept at most, well below the server's max_connections. */
const MAX_IDLE = 24;

/** Quotes an identifier for SQL text. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The databases migtest creates on one server: scratch databases for cases and template states.
 * Shared by every provider; the provider only says how to reach the server and how to stop it.
 */
export class ServerSession implements Server {
  readonly #created = new Set<string>();
  readonly #prefix: string;
  readonly #admin: pg.Pool;
  /** `server_version_num`, read once: every connection made here knows it (postgres/prepared.ts). */
  readonly #versionNum: number;
  #counter = 0;
  #untrack: () => void;

  private constructor(
    readonly provider: string,
    readonly major: number,
    readonly version: string,
    private readonly base: pg.ClientConfig,
    admin: pg.Pool,
    private readonly shutdown: () => Promise<void>,
    private readonly shutdownSync: () => void,
    private readonly dropOnStop: boolean,
    readonly limits: Limits,
    readonly crash?: CrashSupport,
    readonly storage?: string,
    versionNum = 0,
  ) {
    this.#admin = admin;
    this.#versionNum = versionNum;
    // The owner in the name: a later run drops what a run killed outright left (reap.ts).
    this.#prefix = databasePrefix(randomBytes(3).toString('hex'));
    // Registered after the provider's own resource, so databases are dropped before the server
    // goes away (release runs newest first). It stays registered until stop() has finished.
    this.#untrack = track({
      label: `databases on ${provider} server`,
      release: () => this.stop(),
      releaseSync: () => this.shutdownSync(),
    });
  }

  static async open(options: {
    provider: string;
    base: pg.ClientConfig;
    adminDatabase: string;
    shutdown: () => Promise<void>;
    shutdownSync: () => void;
    /** Drop every created database at stop (a server migtest did not start); else the server goes whole. */
    dropOnStop: boolean;
    limits?: Partial<Limits>;
    crash?: CrashSupport;
    /** The folder the cluster lives in, for a server migtest started on this machine. */
    storage?: string;
  }): Promise<ServerSession> {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const base: pg.ClientConfig = { connectionTimeoutMillis: limits.connectMs, ...options.base };
    const admin = new pg.Pool({ ...base, database: options.adminDatabase, max: 4 });
    admin.on('error', () => {
      // An idle admin connection that dies (server stopping) is not an error of the run.
    });
    const { rows } = await admin.query<{ server_version: string; num: string }>(
      `SELECT current_setting('server_version') AS server_version,
              current_setting('server_version_num') AS num`,
    );
    const row = rows[0]!;
    return new ServerSession(
      options.provider,
      Math.floor(Number(row.num) / 10000),
      row.server_version.split(' ')[0]!,
      base,
      admin,
      options.shutdown,
      options.shutdownSync,
      options.dropOnStop,
      limits,
      options.crash,
      options.storage,
      Number(row.num),
    );
  }

  /**
   * One idle connection kept per database: a case connects several times (to run, then to hash),
   * and a backend that has already read the catalogs answers several times faster than a new one.
   */
  readonly #idle = new Map<string, pg.Client>();
  readonly #close = new WeakMap<pg.Client, () => Promise<void>>();

  /**
   * A client whose `end()` gives the connection back when it is healthy, after resetting it as a
   * disconnect would: an open transaction rolls back, and DISCARD ALL drops session state (temp
   * tables, settings, prepared statements, advisory locks). A broken one really ends.
   */
  private reusable(client: pg.Client, name: string): pg.Client {
    let broken = false;
    client.on('error', () => (broken = true));
    client.on('end', () => (broken = true));
    // The server says after every query whether a transaction is open ('I': none): only then is
    // the ROLLBACK a round trip for nothing (every case gives its connections back several times).
    // A failed query is rejected on the server's error, before that word: whether the word has
    // come by the time the connection is given back is a race, and what the connection is sent
    // then is part of a run's trace (check concurrent replays it), so after any error the
    // ROLLBACK is always sent.
    let idle = true;
    let failed = false;
    const connection = (client as unknown as { connection: EventEmitter }).connection;
    connection.on('readyForQuery', (message: { status?: string }) => (idle = message.status === 'I'));
    connection.on('errorMessage', () => (failed = true));
    const close = client.end.bind(client) as () => Promise<void>;
    this.#close.set(client, () => close().catch(() => undefined));
    (client as { end: () => Promise<void> }).end = async () => {
      this.#lift.get(client)?.();
      if (broken || this.#stopped || this.#idle.has(name)) return close().catch(() => undefined);
      try {
        if (!idle || failed) await client.query('ROLLBACK');
        await client.query('DISCARD ALL');
        failed = false;
        forgetPrepared(client);
      } catch {
        return close().catch(() => undefined);
      }
      if (this.#idle.has(name) || !this.#created.has(name)) return close().catch(() => undefined);
      this.#idle.set(name, client);
      // Kept states pile up: the connections of the least recently used ones go first.
      while (this.#idle.size > MAX_IDLE) await this.closeIdle(this.#idle.keys().next().value!);
    };
    return client;
  }

  /** Lifts the case timeout of a connection when it ends (or goes back to the idle pool). */
  readonly #lift = new WeakMap<pg.Client, () => void>();

  /** A connection to a case's database under the case timeout, which the migration cannot lift. */
  private bounded(client: pg.Client): pg.Client {
    this.#lift.set(
      client,
      boundConnection(client, this.limits.caseMs, async (pid) => {
        await this.#admin.query('SELECT pg_terminate_backend($1)', [pid]);
      }),
    );
    return client;
  }

  /** Ends the idle connection to `name`: a template must have none, and so must a database to drop. */
  private async closeIdle(name: string): Promise<void> {
    const client = this.#idle.get(name);
    if (!client) return;
    this.#idle.delete(name);
    await this.#close.get(client)?.();
  }

  handle(name: string): DatabaseHandle {
    const ours = this.#created.has(name);
    // A case's migrations run on these connections: each statement under statement_timeout.
    const config: pg.ClientConfig = { ...this.base, database: name, ...(ours ? { statement_timeout: this.limits.statementMs } : {}) };
    return {
      name,
      config,
      as: (login) => this.loginHandle(name, { ...config, ...login }),
      connect: async () => {
        const idle = this.#idle.get(name);
        if (idle) {
          this.#idle.delete(name);
          return this.bounded(idle);
        }
        // Right after a crash the server may still be recovering (57P03) for a moment.
        for (let attempt = 0; ; attempt++) {
          const client = new pg.Client(config);
          try {
            await client.connect();
            knowServerVersion(client, this.#versionNum);
            return this.#created.has(name) ? this.bounded(this.reusable(client, name)) : client;
          } catch (error) {
            await client.end().catch(() => undefined);
            if ((error as { code?: string }).code !== '57P03' || attempt >= 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
    };
  }

  /**
   * `name` reached as another role: never from or into the idle pool, which holds the superuser's
   * sessions; still under the statement and case timeouts.
   */
  private loginHandle(name: string, config: pg.ClientConfig): DatabaseHandle {
    return {
      name,
      config,
      connect: async () => {
        const client = new pg.Client(config);
        try {
          await client.connect();
        } catch (error) {
          await client.end().catch(() => undefined);
          throw error;
        }
        knowServerVersion(client, this.#versionNum);
        if (!this.#created.has(name)) return client;
        const bounded = this.bounded(client);
        const close = client.end.bind(client) as () => Promise<void>;
        (bounded as { end: () => Promise<void> }).end = async () => {
          this.#lift.get(bounded)?.();
          await close().catch(() => undefined);
        };
        return bounded;
      },
    };
  }

  /** CREATE DATABASEs under way: stop() waits for them, so that none lands after the drops. */
  readonly #creating = new Set<Promise<unknown>>();

  async createDatabase(options: { template?: string } = {}): Promise<DatabaseHandle> {
    if (this.#stopped) throw new RunStopping('creating a database');
    refuseWhenStopping('creating a database');
    const work = this.#create(options);
    this.#creating.add(work);
    try {
      return await work;
    } finally {
      this.#creating.delete(work);
    }
  }

  async #create(options: { template?: string }): Promise<DatabaseHandle> {
    const name = `${this.#prefix}${++this.#counter}`;
    const template = options.template ?? 'template0';
    if (options.template !== undefined && !this.#created.has(options.template)) {
      throw new Error(`refusing to copy ${options.template}: migtest did not create it`);
    }
    // FILE_COPY copies the template's files directly: much faster than WAL_LOG for small states.
    const strategy = this.major >= 15 ? ' STRATEGY FILE_COPY' : '';
    if (options.template !== undefined) await this.closeIdle(options.template);
    this.#created.add(name);
    await this.#admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)}${strategy}`);
    if (options.template !== undefined) {
      const settings = await this.#admin.query<DatabaseSettingRow>(databaseSettingsQuery, [options.template]);
      for (const statement of settingStatements(name, settings.rows)) await this.#admin.query(statement);
    }
    return this.handle(name);
  }

  async dropDatabase(name: string): Promise<void> {
    if (!this.#created.has(name)) throw new Error(`refusing to drop ${name}: migtest did not create it`);
    await this.closeIdle(name);
    await this.#admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
    this.#created.delete(name);
  }

  async databaseSize(name: string): Promise<number> {
    const { rows } = await this.#admin.query<{ size: string }>('SELECT pg_database_size($1)::text AS size', [name]);
    return Number(rows[0]!.size);
  }

  async connections(): Promise<{ max: number; used: number }> {
    const { rows } = await this.#admin.query<{ max: string; used: string }>(
      `SELECT current_setting('max_connections') AS max, (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::text AS used`,
    );
    return { max: Number(rows[0]!.max), used: Number(rows[0]!.used) };
  }

  /** Names of the databases this session created and has not dropped. */
  get databases(): string[] {
    return [...this.#created];
  }

  #stopped = false;
  #stopping: Promise<void> | undefined;
  /** Stops once; a second call (the signal handler's, say) waits for the first to finish. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    try {
      await Promise.allSettled([...this.#creating]);
      for (const name of [...this.#idle.keys()]) await this.closeIdle(name);
      try {
        if (this.dropOnStop) {
          let failure: unknown;
          for (const name of [...this.#created]) {
            // One database that cannot be dropped does not keep the others.
            await this.dropDatabase(name).catch((error: unknown) => (failure ??= error));
          }
          if (failure !== undefined) throw failure;
        }
      } finally {
        await this.#admin.end().catch(() => undefined);
        await this.shutdown();
      }
    } finally {
      this.#untrack();
    }
  }
}

/**
 * DISCARD ALL deallocates the session's prepared statements; node-pg remembers which names it
 * parsed on a connection, and would otherwise send a named statement without parsing it again
 * (and so does src/postgres/prepared.ts, which would EXECUTE one).
 */
function forgetPrepared(client: pg.Client): void {
  forgetStatements(client);
  const connection = (client as unknown as { connection?: { parsedStatements?: Record<string, string>; submittedNamedStatements?: Record<string, string> } }).connection;
  if (connection?.parsedStatements) connection.parsedStatements = {};
  if (connection?.submittedNamedStatements) connection.submittedNamedStatements = {};
}
