import { createHash } from 'node:crypto';
import pg from 'pg';
import { parseSync, scanSync, type Node } from 'libpg-query';
import { coddConnection, coddTimestamp, isNoTxn, NO_PARSE_KIND } from './format.js';
import { initParser } from '../../migrations/split.js';
import { TextIndex } from '../../migrations/text-index.js';
import { InputError, type Migration, type MigrationSet, type Statement } from '../../migrations/types.js';
import { track } from '../../postgres/cleanup.js';
import { ident } from '../../postgres/server.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn, isConnectionLost, moved, type Faults } from '../../faults/inject.js';
import type { Fault } from '../../faults/types.js';
import { afterCommit, execStatements, toBlockTrace, toPgError, type Execution } from '../execute.js';
import { CODD_DEFAULT_RETRY, realClock, waitBefore, type Clock, type RetryPolicy } from '../retry.js';
import type {
  Block,
  BlockTrace,
  ClusterObjects,
  InherentStop,
  PgError,
  Plan,
  RunOptions,
  RunnerModel,
  RunnerOptions,
  StatementOutcome,
  StatementTries,
  Trace,
} from '../types.js';

/*
 * codd (mzabani/codd): migrations sent statement by statement; consecutive in-txn migrations
 * with the same connection string in one transaction; each no-txn migration alone, resumable
 * from the statement after the last one applied (or from its last BEGIN); the record in
 * codd.sql_migrations written in the block's transaction when the block runs on the default
 * database, otherwise as soon as the default connection is open. Sources: src/Codd/Internal.hs,
 * src/Codd/Parsing.hs, src/Codd/InternalSchema/V1–V5.hs (see docs/runners/codd.md).
 */

const SCHEMA = 'codd';
const TABLE = 'sql_migrations';

/** codd.sql_migrations as InternalSchema V1 to V5 leave it (V5's background-job objects left out). */
const CREATE_TRACKER = `
CREATE SCHEMA codd;
GRANT USAGE ON SCHEMA codd TO PUBLIC;
CREATE TABLE codd.sql_migrations (
  id SERIAL PRIMARY KEY,
  migration_timestamp timestamptz NOT NULL,
  applied_at timestamptz,
  name text NOT NULL,
  application_duration interval,
  num_applied_statements int,
  no_txn_failed_at timestamptz,
  txnid bigint DEFAULT txid_current(),
  connid int DEFAULT pg_backend_pid(),
  UNIQUE (name),
  UNIQUE (migration_timestamp),
  CONSTRAINT no_txn_mig_applied_or_failed CHECK ((applied_at IS NULL) <> (no_txn_failed_at IS NULL))
);
GRANT INSERT, SELECT, UPDATE ON TABLE codd.sql_migrations TO PUBLIC;
GRANT USAGE, SELECT ON SEQUENCE codd.sql_migrations_id_seq TO PUBLIC;`;

/** codd's createCoddSchema, which words a permission error its own way. */
async function createTracker(client: pg.Client): Promise<void> {
  try {
    await client.query(CREATE_TRACKER);
  } catch (error) {
    const e = toPgError(error);
    if (e.sqlstate !== '42501') throw error;
    throw Object.assign(
      new Error(
        "Not enough permissions to create or update codd's internal schema. Please check that your default connection string can create tables, sequences and GRANT them permissions." +
          ` (${e.message})`,
      ),
      { code: e.sqlstate },
    );
  }
}

/** codd's own words when it cannot start (Codd.Internal.collectPendingMigrations). */
const NO_BOOTSTRAP =
  'Default connection string is not accessible. Codd will run in bootstrap mode, expecting the first migrations will contain custom connection strings and will create/bootstrap the database. ' +
  'The earliest existing migration has no custom connection string or there are no migrations at all. Exiting.';

const OPTIONS: Record<string, string> = {
  database:
    'the database CODD_CONNECTION names: the case database plays it, and -- codd-connection: strings naming it connect there (default: the one database the set creates, if it creates exactly one)',
  user: "the user CODD_CONNECTION connects as (default: the server's own user)",
};

/** Databases of a fresh cluster that a set may connect to without creating them. */
const CLUSTER_DATABASES = new Set(['postgres', 'template1']);

interface Settings {
  /** The set's name for the default database (CODD_CONNECTION's dbname), if known. */
  database?: string;
  /** Whether the set itself creates the default database (codd's bootstrap). */
  createsDefault: boolean;
  user?: string;
}

// ---------------------------------------------------------------------------------------------
// Plan

function settings(set: MigrationSet, options: RunnerOptions = {}): Settings {
  for (const [name, value] of Object.entries(options)) {
    if (!(name in OPTIONS)) {
      throw new InputError(
        `unknown runner option '${name}' for codd`,
        undefined,
        undefined,
        undefined,
        `codd's runner options are ${Object.keys(OPTIONS).join(' and ')}: --runner-option database=orders --runner-option user=orders_owner`,
      );
    }
    if (value.trim() === '') throw new InputError(`runner option ${name} is empty`, undefined, undefined, undefined, `give it a value: --runner-option ${name}=…`);
  }
  const created = createdDatabases(set.migrations);
  const database = options.database ?? (created.size === 1 ? [...created][0] : undefined);
  return {
    ...(database !== undefined ? { database } : {}),
    createsDefault: database !== undefined && created.has(database),
    ...(options.user !== undefined ? { user: options.user } : {}),
  };
}

/** Names of the databases the migrations' statements create. */
function createdDatabases(migrations: Migration[]): Set<string> {
  const names = new Set<string>();
  for (const m of migrations) {
    for (const s of m.up.statements) {
      if (s.kind !== 'CreatedbStmt') continue;
      const node = parseOne(s.sql);
      if (node && 'CreatedbStmt' in node && node.CreatedbStmt.dbname) names.add(node.CreatedbStmt.dbname);
    }
  }
  return names;
}

/** The connection a migration runs on, as codd tells them apart ('' for the default one). */
function connectionKey(migration: Migration): string {
  return coddConnection(migration)?.key ?? '';
}

function blocksOf(set: MigrationSet): Block[] {
  const blocks: Block[] = [];
  for (const migration of set.migrations) {
    const last = blocks[blocks.length - 1];
    const inTxn = !isNoTxn(migration);
    if (inTxn && last?.rule === 'in-txn' && connectionKey(last.migrations[0]!) === connectionKey(migration)) {
      last.migrations.push(migration);
      last.statements.push(...migration.up.statements);
    } else {
      blocks.push({ index: blocks.length, rule: inTxn ? 'in-txn' : 'no-txn', migrations: [migration], statements: [...migration.up.statements] });
    }
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Cluster-level objects: databases and roles the set creates, per case lineage

interface Lineage {
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

const lineages = new Map<string, Lineage>();
/** Roles that runs of this process created on each server (by `host:port`), dropped when no case holds them. */
const createdRoles = new Map<string, Set<string>>();

function serverKey(config: pg.ClientConfig): string {
  return `${String(config.host)}:${String(config.port)}`;
}

function lineageKey(db: DatabaseHandle): string {
  return `${serverKey(db.config)}\u0000${db.name}`;
}

function lineageOf(db: DatabaseHandle): Lineage | undefined {
  return lineages.get(lineageKey(db));
}

function newLineage(db: DatabaseHandle): Lineage {
  const lineage: Lineage = { key: lineageKey(db), config: db.config, database: db.name, databases: new Map(), roles: new Set() };
  lineages.set(lineage.key, lineage);
  return lineage;
}

/** What a lineage holds is migtest's to drop, also when the process is interrupted. */
function hold(lineage: Lineage): void {
  lineage.untrack ??= track({
    label: `databases and roles made by codd runs for ${lineage.database}`,
    release: () => releaseLineage(lineage),
    releaseSync: () => undefined,
  });
}

function addDatabase(lineage: Lineage, setName: string, name: string): void {
  lineage.databases.set(setName, name);
  hold(lineage);
}

/**
 * A database the set names, made for one case: the case's name, the set's name and a hash (the
 * set's name may need quoting or be long), within PostgreSQL's 63 bytes.
 */
export function caseDatabaseName(caseDatabase: string, setName: string): string {
  const slug = setName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 20);
  const hash = createHash('sha256').update(setName).digest('hex').slice(0, 6);
  const base = caseDatabase.length <= 32 ? caseDatabase : `mt_${createHash('sha256').update(caseDatabase).digest('hex').slice(0, 12)}`;
  return `${base}__${slug}_${hash}`;
}

async function adminClient(config: pg.ClientConfig, database: string): Promise<pg.Client> {
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

async function releaseLineage(lineage: Lineage): Promise<void> {
  lineages.delete(lineage.key);
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
  await dropRoles(lineage);
}

/**
 * Drops the roles this process created that no case holds any more. The case's own database,
 * about to be dropped, may still hold objects of a role (and be owned by it): they are handed to
 * migtest's user there first. Best effort: a role that owns something elsewhere stays.
 */
async function dropRoles(lineage: Lineage): Promise<void> {
  const server = serverKey(lineage.config);
  const mine = createdRoles.get(server) ?? new Set<string>();
  const free = [...lineage.roles].filter(
    (role) => mine.has(role) && ![...lineages.values()].some((l) => serverKey(l.config) === server && l.roles.has(role)),
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

/**
 * What `docs/runners/codd.md` ("Cluster-level objects") describes: every database the set creates
 * or connects to exists once per case, named after the case's database, and goes with it.
 */
/**
 * Gives `to` a copy of what runs made for `from` outside it: its roles, a copy of each database
 * but those in `without` (the set's names), and, unless the default database is among them, its owner.
 */
async function copyLineage(from: DatabaseHandle, to: DatabaseHandle, without: string[] = [], defaultName?: string): Promise<void> {
  const source = lineageOf(from);
  if (!source) return;
  const target = lineageOf(to) ?? newLineage(to);
  target.roles = new Set(source.roles);
  if (target.roles.size > 0) hold(target);
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
      addDatabase(target, setName, copy);
    }
    if (owner !== undefined) await client.query(`ALTER DATABASE ${ident(to.name)} OWNER TO ${ident(owner)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const coddCluster: ClusterObjects = {
  copy: (from, to) => copyLineage(from, to),
  async release(db) {
    const lineage = lineageOf(db);
    if (lineage) await releaseLineage(lineage);
  },
  databases(db) {
    return [...(lineageOf(db)?.databases.values() ?? [])];
  },
  key(db) {
    const lineage = lineageOf(db);
    if (!lineage) return '';
    // By the set's names: the names on the server differ from case to case.
    return JSON.stringify([[...lineage.databases.keys()].sort(), [...lineage.roles].sort(), lineage.owner ?? null]);
  },
};

/**
 * A second run of a migration whose `CREATE DATABASE` an earlier run committed without recording
 * the migration: a crash or a lost connection before codd wrote its record (a bootstrap's record
 * waits for the first block on the new database). The server answers 42P04, and PostgreSQL has no
 * `CREATE DATABASE IF NOT EXISTS`, so no SQL in the set can avoid it. codd's own advice for its
 * bootstrap (docs/BOOTSTRAPPING.md, which its error messages point to) is `dropdb … && codd up`.
 */
function unrecordedDatabase(db: DatabaseHandle, trace: Trace, s: Settings): InherentStop | undefined {
  const failure = trace.failure;
  const statement = failure?.statement;
  if (!failure || failure.faulted || failure.error.sqlstate !== '42P04' || statement?.kind !== 'CreatedbStmt') return undefined;
  const node = parseOne(statement.sql);
  const name = node && 'CreatedbStmt' in node ? node.CreatedbStmt.dbname : undefined;
  const migration = failure.block.migrations.find((m) => m.file === statement.file);
  const lineage = lineageOf(db);
  // Only a database an earlier run of this very case made: any other 42P04 is the set's own.
  if (!name || !migration || !lineage?.databases.has(name)) return undefined;
  const dropped = [...createdDatabases([migration])].filter((n) => lineage.databases.has(n));
  const dropdb = `dropdb ${dropped.join(' ')}`;
  return {
    kind: 'codd:unrecorded-create-database',
    file: migration.file,
    block: failure.block.index,
    message:
      `codd runs ${migration.name} again, whose CREATE DATABASE ${name} an earlier run committed before codd recorded the migration (a crash or a lost connection in between): ` +
      'PostgreSQL answers 42P04 and has no CREATE DATABASE IF NOT EXISTS, so no SQL in the set avoids it, and the check models the operator\'s recovery instead',
    action: `\`${dropdb}\` (with what the set put there), then \`codd up\`: codd's advice for its bootstrap (docs/BOOTSTRAPPING.md: "dropdb … && codd up")`,
    actions: [
      {
        label: `\`${dropdb}\` and \`codd up\``,
        // The case's database plays the default one: dropping that gives a new empty database the case's place.
        apply: async (left, scratch) => {
          if (s.database === undefined || !dropped.includes(s.database)) {
            await dropInPlace(left, dropped);
            return left;
          }
          const target = await scratch();
          await copyLineage(left, target, dropped, s.database);
          return target;
        },
      },
    ],
  };
}

/** `dropdb` of databases runs made for the case, outside the case's own database. */
async function dropInPlace(db: DatabaseHandle, names: string[]): Promise<void> {
  const lineage = lineageOf(db);
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

// ---------------------------------------------------------------------------------------------
// Sending statements: COPY data, and statements about databases and roles

interface CopyQuery {
  callback?: (error: Error | null) => void;
  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void;
}

/**
 * COPY … FROM STDIN with its inline data through the copy-in sub-protocol, as codd does with
 * libpq (putCopyData, putCopyEnd). pg-copy-streams is not a dependency: the query object answers
 * the server's CopyInResponse itself with CopyData and CopyDone on the client's connection.
 */
function copyIn(client: pg.Client, sql: string, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(sql) as unknown as CopyQuery & pg.Submittable;
    query.handleCopyInResponse = (connection) => {
      if (data.length > 0) connection.sendCopyFromChunk(Buffer.from(data, 'utf8'));
      connection.endCopyFrom();
    };
    query.callback = (error) => (error ? reject(error) : resolve());
    client.query(query);
  });
}

/** The transaction status of each client, from its last ReadyForQuery: I (idle), T (in a transaction), E (failed). */
const statusOf = new WeakMap<pg.Client, string>();

function parseOne(sql: string): Node | undefined {
  try {
    return parseSync(sql).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
}

interface Token {
  upper: string;
  text: string;
  start: number;
  end: number;
}

function tokensOf(sql: string): Token[] {
  const index = new TextIndex(sql);
  return (scanSync(sql).tokens ?? [])
    .filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
    .map((t) => {
      const start = index.fromByte(t.start);
      const end = index.fromByte(t.end);
      const text = sql.slice(start, end);
      return { upper: text.toUpperCase(), text, start, end };
    });
}

/** An identifier token as PostgreSQL reads it: quoted as written, unquoted folded to lower case. */
function identifier(token: Token): string {
  return token.text.startsWith('"') ? token.text.slice(1, -1).replaceAll('""', '"') : token.text.toLowerCase();
}

/** Which tokens of a statement about databases name a database: those after DATABASE. */
function databaseNameTokens(kind: string, tokens: Token[]): number[] {
  const d = tokens.findIndex((t) => t.upper === 'DATABASE');
  if (d < 0) return [];
  let i = d + 1;
  switch (kind) {
    case 'DropdbStmt':
      if (tokens[i]?.upper === 'IF' && tokens[i + 1]?.upper === 'EXISTS') i += 2;
      return [i];
    case 'GrantStmt': {
      const names: number[] = [];
      for (; i < tokens.length && tokens[i]!.upper !== 'TO' && tokens[i]!.upper !== 'FROM'; i++) {
        if (tokens[i]!.text !== ',') names.push(i);
      }
      return names;
    }
    case 'RenameStmt': {
      const to = tokens.findIndex((t, k) => k > i && t.upper === 'TO');
      return to > 0 ? [i, to + 1] : [i];
    }
    default:
      return [i];
  }
}

/** The statement with the database names at `positions` replaced through `rename`. */
function renameDatabases(sql: string, kind: string, rename: (name: string, position: number) => string): string {
  const tokens = tokensOf(sql);
  let out = sql;
  const positions = databaseNameTokens(kind, tokens);
  for (let p = positions.length - 1; p >= 0; p--) {
    const token = tokens[positions[p]!];
    if (!token) continue;
    out = `${out.slice(0, token.start)}${ident(rename(identifier(token), p))}${out.slice(token.end)}`;
  }
  return out;
}

/** The statement kinds that name databases or roles, which belong to the whole server. */
const CLUSTER_KINDS = new Set([
  'CreatedbStmt',
  'DropdbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'AlterDatabaseRefreshCollStmt',
  'AlterOwnerStmt',
  'CommentStmt',
  'GrantStmt',
  'RenameStmt',
  'AlterRoleSetStmt',
  'CreateRoleStmt',
  'DropRoleStmt',
]);

function isDatabaseObject(node: Node): boolean {
  const n = node as unknown as Record<string, Record<string, unknown>>;
  const body = Object.values(n)[0] ?? {};
  return (
    'CreatedbStmt' in node ||
    'DropdbStmt' in node ||
    'AlterDatabaseStmt' in node ||
    'AlterDatabaseSetStmt' in node ||
    'AlterDatabaseRefreshCollStmt' in node ||
    body.objectType === 'OBJECT_DATABASE' ||
    body.objtype === 'OBJECT_DATABASE' ||
    body.renameType === 'OBJECT_DATABASE' ||
    ('AlterRoleSetStmt' in node && typeof body.database === 'string')
  );
}

// ---------------------------------------------------------------------------------------------
// One run

interface Target {
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

/** A migration applied (or a no-txn one failed) whose row codd has not written yet. */
interface Applied {
  migration: Migration;
  failed: boolean;
  count: number;
  durationMs: number;
  at?: Date;
  ids?: { txnid: string; connid: number };
}

class ConnectError extends Error {
  constructor(readonly pgError: PgError) {
    super(pgError.message);
  }
}

class CoddRun {
  readonly #clients = new Map<string, pg.Client>();
  /** Whether codd has opened its default connection (it flushes pending records only then). */
  #defaultOpen = false;
  #schemaReady = false;
  #unregistered: Applied[] = [];
  readonly #applied = new Map<string, { succeeded: boolean; count: number }>();
  readonly lineage: Lineage;
  /** Whether nothing is known of this case's database: a new one, or a copy nobody told the model of. */
  readonly #unknown: boolean;
  readonly #user: string;

  constructor(
    readonly set: MigrationSet,
    readonly db: DatabaseHandle,
    readonly settings: Settings,
    readonly blocks: Block[],
  ) {
    this.#user = settings.user ?? String(db.config.user ?? 'postgres');
    const known = lineageOf(db);
    this.#unknown = known === undefined;
    this.lineage = known ?? newLineage(db);
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
    statusOf.set(client, 'I');
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    connection.on('readyForQuery', (message: { status?: string }) => {
      if (message.status) statusOf.set(client, message.status);
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
      addDatabase(this.lineage, setName, name);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    for (const client of this.#clients.values()) await client.end().catch(() => undefined);
    this.#clients.clear();
  }

  /** How codd starts: is the default connection there, does its schema exist, what did it record? */
  async start(options: RunOptions): Promise<Trace | undefined> {
    const from = options.from ?? 0;
    if (this.#unknown) await this.inferLineage(from);
    let accessible = true;
    try {
      const client = await this.open(this.defaultTarget);
      const ready = await client.query<{ ready: boolean }>(`SELECT to_regclass('codd.sql_migrations') IS NOT NULL AS ready`);
      this.#schemaReady = ready.rows[0]?.ready === true;
      if (this.#schemaReady) {
        const rows = await client.query<{ name: string; succeeded: boolean; n: number }>(
          `SELECT name, no_txn_failed_at IS NULL AS succeeded, COALESCE(num_applied_statements, 0) AS n FROM codd.sql_migrations`,
        );
        for (const row of rows.rows) this.#applied.set(row.name, { succeeded: row.succeeded, count: row.n });
      }
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      accessible = false;
    }
    if (from > 0) {
      // A continuation of the run that made blocks < from: what it held in memory comes back.
      for (const block of this.blocks.slice(0, from)) {
        if (this.targetOf(block.migrations[0]!).defaultConn) this.#defaultOpen = true;
        for (const m of block.migrations) {
          if (!this.#applied.has(m.name)) this.#unregistered.push({ migration: m, failed: false, count: m.up.statements.length, durationMs: 0 });
        }
      }
    }
    if (!accessible) {
      const first = this.blocks.find((b) => b.index >= from && this.#pending(b).length > 0);
      if (!first || this.targetOf(first.migrations[0]!).defaultDb) {
        return {
          blocks: [],
          ok: false,
          refusal: {
            message: NO_BOOTSTRAP,
            operatorAction:
              'make the database and user of CODD_CONNECTION reachable (runner options database and user), or begin the set with a bootstrap migration whose -- codd-connection: names another database',
          },
        };
      }
    }
    return undefined;
  }

  /**
   * Without a copy hook, a copied case database comes with no record of what runs made for it
   * outside: take what the blocks before `from` and the tracker's rows say they made, and
   * recreate the databases (empty: their content, if any, is lost — see the docs).
   */
  async inferLineage(from: number): Promise<void> {
    if (!touchesCluster(this.set)) return;
    const l = this.lineage;
    const rows = await recordedIn(this.db);
    if (from === 0 && rows.size === 0) return;
    const statements: Statement[] = [];
    for (const block of this.blocks) {
      for (const m of block.migrations) {
        const row = rows.get(m.name);
        if (block.index < from || row?.succeeded) statements.push(...m.up.statements);
        else if (row) statements.push(...m.up.statements.slice(0, row.count));
      }
    }
    const made = new Set<string>();
    for (const s of statements) {
      if (!CLUSTER_KINDS.has(s.kind)) continue;
      const node = parseOne(s.sql);
      if (!node) continue;
      if ('CreateRoleStmt' in node && node.CreateRoleStmt.role) {
        l.roles.add(node.CreateRoleStmt.role);
        hold(l);
      }
      if ('CreatedbStmt' in node && node.CreatedbStmt.dbname) {
        made.add(node.CreatedbStmt.dbname);
        const owner = ownerOf(node);
        if (node.CreatedbStmt.dbname === this.settings.database && owner) l.owner = owner;
      }
      if ('DropdbStmt' in node && node.DropdbStmt.dbname) made.delete(node.DropdbStmt.dbname);
    }
    if (made.size === 0 && l.owner === undefined) return;
    const client = await adminClient(this.db.config, this.db.name);
    try {
      for (const setName of made) {
        const name = caseDatabaseName(this.db.name, setName);
        const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${ident(name)}`);
        addDatabase(l, setName, name);
      }
      if (l.owner !== undefined) await client.query(`ALTER DATABASE ${ident(this.db.name)} OWNER TO ${ident(l.owner)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  #pending(block: Block): Migration[] {
    return block.migrations.filter((m) => this.#applied.get(m.name)?.succeeded !== true);
  }

  async go(options: RunOptions): Promise<Trace> {
    const refused = await this.start(options);
    if (refused) return refused;
    const trace: Trace = { blocks: [], ok: true };
    const retry: Retrying = { clock: options.clock ?? realClock, waitedMs: 0, ...(options.retry ? { policy: options.retry } : {}) };
    if (retry.policy) trace.retry = { policy: retry.policy.text, waitedMs: 0 };
    let stopped = false;
    for (const block of this.blocks) {
      if (options.from !== undefined && block.index < options.from) continue;
      if (options.until !== undefined && block.index >= options.until) {
        stopped = true;
        break;
      }
      if (this.#pending(block).length === 0) continue;
      const result = await this.#runBlock(block, faultsIn(options.faults, block.index), retry);
      trace.blocks.push(result);
      if (trace.retry) trace.retry.waitedMs = retry.waitedMs;
      if (result.error) {
        const failed = result.outcomes.find((o) => o.status === 'error');
        trace.ok = false;
        trace.failure = { block, error: result.error, ...(failed ? { statement: failed.statement } : {}), ...(result.faulted ? { faulted: true } : {}) };
        return trace;
      }
    }
    if (!stopped) {
      // After the last block codd opens its default connection, creates its schema if needed and
      // writes what it still holds in memory.
      try {
        await this.#openDefault();
        await this.#flushViaDefault();
      } catch (error) {
        const last = this.blocks[this.blocks.length - 1];
        trace.ok = false;
        if (last) trace.failure = { block: last, error: error instanceof ConnectError ? error.pgError : toPgError(error) };
      }
    }
    return trace;
  }

  async #runBlock(block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
    const target = this.targetOf(block.migrations[0]!);
    let client: pg.Client;
    try {
      if (block.migrations.some((m) => m.directives['requires-codd-schema'] === true)) {
        await this.#openDefault();
        await this.#flushViaDefault();
      }
      client = await this.open(target);
      if (target.defaultConn) this.#defaultOpen = true;
      // Before a no-txn block, or an in-txn one on another connection, codd writes what it holds
      // through its default connection if that is open (on the default one: inside the block).
      if (block.rule === 'no-txn' || !target.defaultConn) await this.#flushViaDefault();
    } catch (error) {
      // Outside codd's retries: opening connections and flushing records come before them.
      return this.#inSetNames(failedBefore(block, error instanceof ConnectError ? error.pgError : toPgError(error), faults));
    }
    const trace = await (block.rule === 'in-txn' ? this.#inTxnRetried(client, target, block, faults, retry) : this.#noTxn(client, target, block, faults, retry));
    return this.#inSetNames(trace);
  }

  /** A block's errors with the databases named as the set names them (the server's names follow in parentheses). */
  #inSetNames(trace: BlockTrace): BlockTrace {
    if (!trace.error) return trace;
    const names: [string, string][] = [...this.lineage.databases].map(([setName, name]) => [name, setName]);
    if (this.settings.database !== undefined) names.push([this.db.name, this.settings.database]);
    const rename = (error: PgError): PgError => {
      let message = error.message;
      const found: string[] = [];
      for (const [name, setName] of names) {
        if (!message.includes(name)) continue;
        message = message.replaceAll(name, setName);
        found.push(name);
      }
      return found.length === 0 ? error : { ...error, message: `${message} (on the server under test: ${found.join(', ')})` };
    };
    return {
      ...trace,
      error: rename(trace.error),
      outcomes: trace.outcomes.map((o) => (o.status === 'error' ? { ...o, error: rename(o.error) } : o)),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Blocks

  /**
   * codd's runInTxnBlock: the whole transaction is retried under CODD_RETRY_POLICY ("we retry entire
   * in-txn block transactions on error, not individual statements"), COMMIT errors included, with
   * a counter of its own for each block. Not after a lost connection: codd's ROLLBACK on the dead
   * connection throws, and the exception ends `codd up` without a retry.
   */
  async #inTxnRetried(client: pg.Client, target: Target, block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
    const errors: string[] = [];
    const waitsMs: number[] = [];
    for (;;) {
      const trace = await this.#inTxn(client, target, block, faults);
      if (!trace.error) return withTries(trace, retry, errors.length + 1, waitsMs, errors);
      errors.push(trace.error.sqlstate);
      const wait = isConnectionLost(trace.error.sqlstate) ? undefined : waitBefore(retry.policy, errors.length);
      if (wait === undefined) return withTries(trace, retry, errors.length, waitsMs, errors);
      await retry.clock.sleep(wait);
      retry.waitedMs += wait;
      waitsMs.push(wait);
    }
  }

  /**
   * BEGIN READ WRITE, (on the default connection: codd's schema and the records it holds), each
   * pending migration's statements followed by its record, COMMIT. A failure rolls back all of it.
   */
  async #inTxn(client: pg.Client, target: Target, block: Block, faults: Fault[]): Promise<BlockTrace> {
    const outcomes: StatementOutcome[] = [];
    const run: Execution = { outcomes };
    const held: Applied[] = [];
    let schemaMade = false;
    const fail = (error: unknown, failedAt: number): void => {
      run.error = toPgError(error);
      run.failedAt = failedAt;
      run.faulted = false;
    };
    await client.query('BEGIN READ WRITE');
    try {
      if (target.defaultConn) {
        if (!this.#schemaReady) {
          await createTracker(client);
          schemaMade = true;
        }
        for (const a of this.#unregistered) await register(client, a, false);
      }
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return failedBefore(block, toPgError(error), faults);
    }
    const send = this.#sender();
    let offset = 0;
    for (const m of block.migrations) {
      const statements = m.up.statements;
      if (run.error || this.#applied.get(m.name)?.succeeded) {
        outcomes.push(...statements.map((statement): StatementOutcome => (run.error ? { status: 'skipped', statement } : { status: 'ok', statement })));
        offset += statements.length;
        continue;
      }
      const started = performance.now();
      const local = faultsInMigration(faults, block, m, offset);
      const part = await execStatements(client, statements, local, send);
      outcomes.push(...part.outcomes);
      if (part.error) {
        run.error = part.error;
        run.failedAt = offset + (part.failedAt ?? 0);
        run.faulted = part.faulted ?? false;
      } else {
        const applied: Applied = { migration: m, failed: false, count: statements.length, durationMs: performance.now() - started };
        try {
          if (target.defaultDb && (this.#schemaReady || schemaMade)) await register(client, applied, true);
          else held.push({ ...applied, ...(await idsOf(client, true)) });
        } catch (error) {
          fail(error, offset + statements.length);
        }
      }
      offset += statements.length;
    }
    if (run.error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return toBlockTrace(block, run, 0, faults);
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      fail(error, block.statements.length);
      return toBlockTrace(block, run, 0, faults);
    }
    // Committed, records included; with a lost ack codd sees its COMMIT fail and exits.
    const committed = await afterCommit(client, block, run, faults);
    if (committed.error) return committed;
    if (schemaMade) this.#schemaReady = true;
    if (target.defaultConn) this.#unregistered = [];
    this.#unregistered.push(...held);
    return committed;
  }

  /**
   * Each statement on its own, from the one after those a failed run applied. A failure records
   * how many statements stay applied (up to the last BEGIN when it happened inside an explicit
   * transaction, codd PR #187), so that the next run resumes there; a lost connection records nothing.
   *
   * Retries (CODD_RETRY_POLICY) resume at that same place, on the same connection. The try
   * counter resets for every statement: it belongs to the place the tries resume at, and starts
   * over when a try gets further. A lost connection is not retried (codd cannot write on it, and exits).
   */
  async #noTxn(client: pg.Client, target: Target, block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
    const migration = block.migrations[0]!;
    const statements = migration.up.statements;
    const row = this.#applied.get(migration.name);
    let resume = row && !row.succeeded ? Math.min(row.count, statements.length) : 0;
    const units: StatementTries[] = [];
    const base = this.#sender();
    const started = performance.now();
    const finish = (trace: BlockTrace, gaveUp: boolean): BlockTrace => {
      const last = units[units.length - 1];
      if (last && !gaveUp) last.tries = last.errors.length + 1;
      if (!retry.policy) return trace;
      const waitsMs = units.flatMap((u) => u.waitsMs);
      const errors = units.flatMap((u) => u.errors);
      return { ...withTries(trace, retry, errors.length + 1 - (gaveUp ? 1 : 0), waitsMs, errors), statementTries: units };
    };

    for (;;) {
      let count = resume;
      let lastBegin: number | undefined;
      let status = statusOf.get(client) ?? 'I';
      const send = async (c: pg.Client, statement: Statement): Promise<unknown> => {
        const result = await base(c, statement);
        const now = statusOf.get(c) ?? 'I';
        count++;
        if (status === 'I' && now === 'T') lastBegin = count;
        else if (now !== 'T') lastBegin = undefined;
        status = now;
        return result;
      };
      const local = faults.filter((f) => f.at >= resume).map((f) => moved(f, f.at - resume));
      const part = await execStatements(client, statements.slice(resume), local, send);
      const outcomes: StatementOutcome[] = [
        ...statements.slice(0, resume).map((statement): StatementOutcome => ({ status: 'ok', statement })),
        ...part.outcomes,
      ];
      const durationMs = performance.now() - started;
      if (!part.error) {
        try {
          await this.#registerNoTxn(client, target, { migration, failed: false, count, durationMs });
        } catch (error) {
          const e = toPgError(error);
          return finish(toBlockTrace(block, { outcomes, error: e, failedAt: statements.length, faulted: false }, statements.length, faults), false);
        }
        return finish(toBlockTrace(block, { outcomes }, statements.length, faults), false);
      }

      const failedAt = resume + (part.failedAt ?? 0);
      // An ack-lost statement did commit, but codd saw it fail: it counts the statements before it.
      const seen = part.ackLost ? count - 1 : count;
      const applied = lastBegin === undefined ? seen : lastBegin - 1;
      const durable = lastBegin === undefined ? count : lastBegin - 1;
      const run: Execution = { outcomes, error: part.error, failedAt, faulted: part.faulted ?? false, ...(part.ackLost ? { ackLost: true } : {}) };
      const trace = toBlockTrace(block, run, durable, faults);
      // The tries of the place this try failed at: a new place when the try got further than the last one.
      let unit = units[units.length - 1];
      if (!unit || applied > unit.statement) {
        if (unit) unit.tries = unit.errors.length + 1;
        unit = { statement: applied, tries: 0, waitsMs: [], errors: [] };
        units.push(unit);
      }
      unit.errors.push(part.error.sqlstate);
      unit.tries = unit.errors.length;
      if (isConnectionLost(part.error.sqlstate)) return finish(trace, true);
      try {
        // codd rolls back the explicit transaction the failure left open. The status is not known
        // yet here (node-postgres settles a failed query before ReadyForQuery), and a ROLLBACK
        // outside a transaction only warns, so it is sent whenever a BEGIN was open.
        if (lastBegin !== undefined) await client.query('ROLLBACK');
        await this.#registerNoTxn(client, target, { migration, failed: true, count: applied, durationMs });
      } catch {
        // codd would exit on this error too; the statement's own failure is the one to report.
        return finish(trace, true);
      }
      const wait = waitBefore(retry.policy, unit.errors.length);
      if (wait === undefined) return finish(trace, true);
      await retry.clock.sleep(wait);
      retry.waitedMs += wait;
      unit.waitsMs.push(wait);
      resume = applied;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Records

  async #openDefault(): Promise<pg.Client> {
    const client = await this.open(this.defaultTarget);
    this.#defaultOpen = true;
    return client;
  }

  /** codd's createCoddSchemaAndFlushPendingMigrations: only once its default connection is open. */
  async #flushViaDefault(): Promise<void> {
    if (!this.#defaultOpen) return;
    const client = await this.open(this.defaultTarget);
    if (!this.#schemaReady) {
      await inTransaction(client, () => createTracker(client));
      this.#schemaReady = true;
    }
    if (this.#unregistered.length === 0) return;
    const held = this.#unregistered;
    await inTransaction(client, async () => {
      for (const a of held) await register(client, a, false);
    });
    this.#unregistered = [];
  }

  /** codd's registerAppliedNoTxnMig. */
  async #registerNoTxn(client: pg.Client, target: Target, applied: Applied): Promise<void> {
    if (applied.failed && !this.#schemaReady) {
      // codd tries its default connection once more here: a partly applied no-txn migration may
      // have made it reachable (a bootstrap that created the database before failing).
      try {
        await this.#openDefault();
        await this.#flushViaDefault();
      } catch {
        // still unreachable: the record stays in memory, and is lost when codd exits
      }
    }
    if (target.defaultDb && this.#schemaReady) {
      await inTransaction(client, () => register(client, applied, true));
    } else if (this.#defaultOpen) {
      const ids = await idsOf(client, false);
      const defaultClient = await this.open(this.defaultTarget);
      await inTransaction(defaultClient, () => register(defaultClient, { ...applied, ...ids }, true));
    } else {
      this.#unregistered.push({ ...applied, ...(await idsOf(client, true)) });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  #sender(): (client: pg.Client, statement: Statement) => Promise<unknown> {
    return async (client, statement) => {
      if (statement.kind === NO_PARSE_KIND) return client.query(statement.sql);
      if (statement.copyData !== undefined) return copyIn(client, statement.sql, statement.copyData);
      if (CLUSTER_KINDS.has(statement.kind)) return this.#sendClusterStatement(client, statement);
      return client.query(statement.sql);
    };
  }

  /** The name on this server of a database the set names in a statement about databases. */
  #databaseName(setName: string, role: 'create' | 'drop' | 'other'): string {
    if (setName === this.settings.database && role === 'other') return this.db.name;
    return this.lineage.databases.get(setName) ?? caseDatabaseName(this.db.name, setName);
  }

  async #sendClusterStatement(client: pg.Client, statement: Statement): Promise<unknown> {
    const node = parseOne(statement.sql);
    if (!node) return client.query(statement.sql);
    const kind = statement.kind;

    if ('CreateRoleStmt' in node && node.CreateRoleStmt.role) return this.#createRole(client, statement.sql, node.CreateRoleStmt.role);
    if ('DropRoleStmt' in node) {
      // Other cases may hold the role: it never leaves the server here, only this case's view.
      for (const r of node.DropRoleStmt.roles ?? []) {
        const name = 'RoleSpec' in r ? r.RoleSpec.rolename : undefined;
        if (name) this.lineage.roles.delete(name);
      }
      return undefined;
    }
    if (!isDatabaseObject(node)) return client.query(statement.sql);

    if ('CreatedbStmt' in node && node.CreatedbStmt.dbname) {
      const setName = node.CreatedbStmt.dbname;
      const name = caseDatabaseName(this.db.name, setName);
      const result = await client.query(renameDatabases(statement.sql, kind, () => name));
      addDatabase(this.lineage, setName, name);
      const owner = ownerOf(node);
      if (setName === this.settings.database && owner) {
        // The case's database plays the one created: it gets the owner (PostgreSQL 15+ lets only
        // the owner create in its public schema).
        await client.query(`ALTER DATABASE ${ident(this.db.name)} OWNER TO ${ident(owner)}`);
        this.lineage.owner = owner;
      }
      return result;
    }
    if ('DropdbStmt' in node && node.DropdbStmt.dbname) {
      const setName = node.DropdbStmt.dbname;
      const result = await client.query(renameDatabases(statement.sql, kind, (n) => this.#databaseName(n, 'drop')));
      this.lineage.databases.delete(setName);
      return result;
    }
    if ('RenameStmt' in node && node.RenameStmt.subname && node.RenameStmt.newname) {
      const { subname, newname } = node.RenameStmt;
      const newName = caseDatabaseName(this.db.name, newname);
      const result = await client.query(renameDatabases(statement.sql, kind, (n, p) => (p === 0 ? this.#databaseName(n, 'drop') : newName)));
      this.lineage.databases.delete(subname);
      addDatabase(this.lineage, newname, newName);
      return result;
    }
    const result = await client.query(renameDatabases(statement.sql, kind, (n) => this.#databaseName(n, 'other')));
    if ('AlterOwnerStmt' in node && node.AlterOwnerStmt.object && 'String' in node.AlterOwnerStmt.object) {
      const owner = node.AlterOwnerStmt.newowner?.rolename;
      if (node.AlterOwnerStmt.object.String.sval === this.settings.database && owner) this.lineage.owner = owner;
    }
    return result;
  }

  /**
   * Roles are shared by the whole server. A role this case's runs created before is created again
   * for real (and fails as codd's second run would); one that another case made is taken as made.
   */
  async #createRole(client: pg.Client, sql: string, role: string): Promise<unknown> {
    if (this.lineage.roles.has(role) || role === String(this.db.config.user ?? '')) return client.query(sql);
    const inTxn = statusOf.get(client) === 'T';
    if (inTxn) await client.query('SAVEPOINT migtest_create_role');
    try {
      const result = await client.query(sql);
      let mine = createdRoles.get(serverKey(this.db.config));
      if (!mine) createdRoles.set(serverKey(this.db.config), (mine = new Set()));
      mine.add(role);
      this.lineage.roles.add(role);
      hold(this.lineage);
      if (inTxn) await client.query('RELEASE SAVEPOINT migtest_create_role');
      return result;
    } catch (error) {
      if ((error as { code?: string }).code !== '42710') throw error;
      if (inTxn) await client.query('ROLLBACK TO SAVEPOINT migtest_create_role');
      this.lineage.roles.add(role);
      hold(this.lineage);
      return undefined;
    }
  }

  /** Statements `[0, count)` of `block` as the run would send them, without records. */
  async replay(block: Block, count: number): Promise<void> {
    if (this.#unknown) await this.inferLineage(block.index);
    const target = this.targetOf(block.migrations[0]!);
    const client = await this.open(target);
    const run = await execStatements(client, block.statements.slice(0, count), undefined, this.#sender());
    if (run.error) throw new Error(`replaying statement ${(run.failedAt ?? 0) + 1} of block ${block.index + 1} failed: ${run.error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const touching = new WeakMap<MigrationSet, boolean>();

/** Whether a set names databases or roles at all (connections, CREATE DATABASE, CREATE ROLE, …). */
function touchesCluster(set: MigrationSet): boolean {
  let found = touching.get(set);
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
    touching.set(set, found);
  }
  return found;
}

/** What codd.sql_migrations of `db` holds, read by migtest itself (not as codd would see it). */
async function recordedIn(db: DatabaseHandle): Promise<Map<string, { succeeded: boolean; count: number }>> {
  const rows = new Map<string, { succeeded: boolean; count: number }>();
  const client = await adminClient(db.config, db.name);
  try {
    const ready = await client.query<{ ready: boolean }>(`SELECT to_regclass('codd.sql_migrations') IS NOT NULL AS ready`);
    if (ready.rows[0]?.ready !== true) return rows;
    const found = await client.query<{ name: string; succeeded: boolean; n: number }>(
      `SELECT name, no_txn_failed_at IS NULL AS succeeded, COALESCE(num_applied_statements, 0) AS n FROM codd.sql_migrations`,
    );
    for (const row of found.rows) rows.set(row.name, { succeeded: row.succeeded, count: row.n });
    return rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function ownerOf(node: Node): string | undefined {
  if (!('CreatedbStmt' in node)) return undefined;
  for (const o of node.CreatedbStmt.options ?? []) {
    if ('DefElem' in o && o.DefElem.defname === 'owner' && o.DefElem.arg && 'String' in o.DefElem.arg) return o.DefElem.arg.String.sval;
  }
  return undefined;
}

/**
 * A block that failed before its first statement ran (a connection, codd's own schema or
 * records): the finding points at that first statement, with codd's error.
 */
function failedBefore(block: Block, error: PgError, faults: Faults): BlockTrace {
  const outcomes: StatementOutcome[] = block.statements.map((statement, i) =>
    i === 0 ? { status: 'error', statement, error } : { status: 'skipped', statement },
  );
  return toBlockTrace(block, { outcomes, error, failedAt: 0, faulted: false }, 0, faults);
}

/**
 * The faults of a block as they fall in one of its migrations: before one of its statements, or
 * after the block's last (the ack of the block's COMMIT stays with the block, which sends it).
 */
function faultsInMigration(faults: Fault[], block: Block, migration: Migration, offset: number): Fault[] {
  const length = migration.up.statements.length;
  const last = block.migrations[block.migrations.length - 1] === migration;
  return faults.flatMap((fault) => {
    if (fault.at >= offset && fault.at < offset + length) return [moved(fault, fault.at - offset)];
    if (last && fault.at === block.statements.length && fault.kind !== 'ack-lost') return [moved(fault, length)];
    return [];
  });
}

/** How codd waits between tries in one run: the policy, the clock, and the time waited so far. */
interface Retrying {
  policy?: RetryPolicy;
  clock: Clock;
  waitedMs: number;
}

/** A block's trace with what its tries came to, when a policy was given (else as it was). */
function withTries(trace: BlockTrace, retry: Retrying, tries: number, waitsMs: number[], errors: string[]): BlockTrace {
  if (!retry.policy) return trace;
  return { ...trace, tries, waitsMs, tryErrors: errors };
}

async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN READ WRITE');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The ids (and time, for a record written later) codd reads from the connection that applied a migration. */
async function idsOf(client: pg.Client, withTime: boolean): Promise<Pick<Applied, 'at' | 'ids'>> {
  const { rows } = await client.query<{ at: Date; txnid: string; connid: number }>(
    `SELECT clock_timestamp() AS at, txid_current()::text AS txnid, pg_backend_pid() AS connid`,
  );
  const row = rows[0]!;
  return { ...(withTime ? { at: row.at } : {}), ids: { txnid: row.txnid, connid: row.connid } };
}

/**
 * codd's registerRanMigration: one row per migration, updated when a failed no-txn migration is
 * resumed. `now`: the time is the server's clock now, else the time the migration was applied.
 */
async function register(client: pg.Client, a: Applied, now: boolean): Promise<void> {
  const params: unknown[] = [coddTimestamp(a.migration), a.migration.name, `${(a.durationMs / 1000).toFixed(6)} seconds`, a.count];
  const time = now ? 'clock_timestamp()' : `$${params.push(a.at ?? new Date())}::timestamptz`;
  const [appliedAt, failedAt] = a.failed ? ['NULL', time] : [time, 'NULL'];
  let columns = '';
  let values = '';
  if (a.ids) {
    columns = ', txnid, connid';
    values = `, $${params.push(a.ids.txnid)}::bigint, $${params.push(a.ids.connid)}::int`;
  }
  await client.query(
    `INSERT INTO codd.sql_migrations AS m (migration_timestamp, name, application_duration, num_applied_statements, applied_at, no_txn_failed_at${columns})
     VALUES ($1::timestamptz, $2::text, $3::interval, $4::int, ${appliedAt}, ${failedAt}${values})
     ON CONFLICT (name) DO UPDATE
       SET application_duration = EXCLUDED.application_duration + m.application_duration,
           num_applied_statements = EXCLUDED.num_applied_statements,
           applied_at = EXCLUDED.applied_at,
           no_txn_failed_at = EXCLUDED.no_txn_failed_at,
           txnid = EXCLUDED.txnid,
           connid = EXCLUDED.connid`,
    params,
  );
}

// ---------------------------------------------------------------------------------------------
// The model

/**
 * codd: `YYYY-MM-DD-HH-MM-SS-name.sql` in name order, sent statement by statement; consecutive
 * in-txn migrations on the same connection string in one transaction with their records; each
 * no-txn migration on its own, resumable where it failed; `-- codd-connection:` migrations on the
 * database they name, mapped onto the server under test and, for databases and roles the set
 * creates, onto objects of the case's own.
 */
export const codd: RunnerModel = {
  name: 'codd',
  format: 'codd',
  summary: 'codd: statements one by one; consecutive in-txn migrations per connection in one transaction; no-txn migrations resumable; codd.sql_migrations',
  tracker: { schema: SCHEMA, table: TABLE, volatile: ['id', 'applied_at', 'application_duration', 'txnid', 'connid'] },
  options: OPTIONS,
  cluster: coddCluster,
  retry: { defaultPolicy: CODD_DEFAULT_RETRY, noTxnByStatement: true, lostConnectionEndsRun: true },

  plan(set: MigrationSet, options: RunnerOptions = {}): Plan {
    settings(set, options);
    return { runner: 'codd', blocks: blocksOf(set) };
  },

  async run(set: MigrationSet, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    await initParser();
    const run = new CoddRun(set, db, settings(set, options.runnerOptions), blocksOf(set));
    try {
      return await run.go(options);
    } finally {
      await run.close();
    }
  },

  async inherentStop(set: MigrationSet, db: DatabaseHandle, trace: Trace, options: RunOptions = {}): Promise<InherentStop | undefined> {
    await initParser();
    return unrecordedDatabase(db, trace, settings(set, options.runnerOptions));
  },

  async replay(set: MigrationSet, db: DatabaseHandle, block: Block, count: number, options: RunOptions = {}): Promise<void> {
    await initParser();
    const run = new CoddRun(set, db, settings(set, options.runnerOptions), blocksOf(set));
    try {
      await run.replay(block, count);
    } finally {
      await run.close();
    }
  },
};
