import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { CrashSupport, DatabaseHandle, Server } from './types.js';
import { track } from './cleanup.js';
import { databaseSettingsQuery, settingStatements, type DatabaseSettingRow } from './database-settings.js';

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
    readonly crash?: CrashSupport,
  ) {
    this.#admin = admin;
    this.#prefix = `migtest_${process.pid}_${randomBytes(3).toString('hex')}_`;
    // Registered after the provider's own resource, so databases are dropped before the server
    // goes away (release runs newest first).
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
    crash?: CrashSupport;
  }): Promise<ServerSession> {
    const admin = new pg.Pool({ ...options.base, database: options.adminDatabase, max: 4 });
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
      options.base,
      admin,
      options.shutdown,
      options.shutdownSync,
      options.dropOnStop,
      options.crash,
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
    const close = client.end.bind(client) as () => Promise<void>;
    this.#close.set(client, () => close().catch(() => undefined));
    (client as { end: () => Promise<void> }).end = async () => {
      if (broken || this.#stopped || this.#idle.has(name)) return close().catch(() => undefined);
      try {
        await client.query('ROLLBACK');
        await client.query('DISCARD ALL');
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

  /** Ends the idle connection to `name`: a template must have none, and so must a database to drop. */
  private async closeIdle(name: string): Promise<void> {
    const client = this.#idle.get(name);
    if (!client) return;
    this.#idle.delete(name);
    await this.#close.get(client)?.();
  }

  handle(name: string): DatabaseHandle {
    const config: pg.ClientConfig = { ...this.base, database: name };
    return {
      name,
      config,
      connect: async () => {
        const idle = this.#idle.get(name);
        if (idle) {
          this.#idle.delete(name);
          return idle;
        }
        // Right after a crash the server may still be recovering (57P03) for a moment.
        for (let attempt = 0; ; attempt++) {
          const client = new pg.Client(config);
          try {
            await client.connect();
            return this.#created.has(name) ? this.reusable(client, name) : client;
          } catch (error) {
            await client.end().catch(() => undefined);
            if ((error as { code?: string }).code !== '57P03' || attempt >= 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      },
    };
  }

  async createDatabase(options: { template?: string } = {}): Promise<DatabaseHandle> {
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

  /** Names of the databases this session created and has not dropped. */
  get databases(): string[] {
    return [...this.#created];
  }

  #stopped = false;
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#untrack();
    for (const name of [...this.#idle.keys()]) await this.closeIdle(name);
    try {
      if (this.dropOnStop) for (const name of [...this.#created]) await this.dropDatabase(name);
    } finally {
      await this.#admin.end().catch(() => undefined);
      await this.shutdown();
    }
  }
}
