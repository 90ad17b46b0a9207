import pg from 'pg';
import type { MigrationSet, Statement } from '../../migrations/types.js';
import { ident } from '../../postgres/server.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn } from '../../faults/inject.js';
import type { Fault } from '../../faults/types.js';
import { execStatements, toPgError } from '../execute.js';
import { realClock } from '../retry.js';
import type { Block, BlockTrace, PgError, RunOptions, Trace } from '../types.js';
import { failedBefore, inTxnRetried, noTxn, type BlockRun, type Retrying } from './blocks.js';
import { adminClient, caseDatabaseName, type CoddCluster, type Lineage } from './cluster.js';
import { ConnectError, Connections } from './connections.js';
import type { Settings } from './plan.js';
import { Records } from './records.js';
import { Sender } from './send.js';
import { CLUSTER_KINDS, ownerOf, parseOne } from './sql.js';
import { recordedIn } from './tracker.js';
import type { Migration } from '../../migrations/types.js';

/** codd's own words when it cannot start (Codd.Internal.collectPendingMigrations). */
const NO_BOOTSTRAP =
  'Default connection string is not accessible. Codd will run in bootstrap mode, expecting the first migrations will contain custom connection strings and will create/bootstrap the database. ' +
  'The earliest existing migration has no custom connection string or there are no migrations at all. Exiting.';

/**
 * One `codd up` (or the replay of a block's first statements) on a case's database: its
 * connections, what it knows of its records, and the case's cluster-level objects.
 */
export class CoddRun implements BlockRun {
  readonly lineage: Lineage;
  readonly connections: Connections;
  readonly records: Records;
  readonly sender: Sender;
  /** Whether nothing is known of this case's database: a new one, or a copy nobody told the model of. */
  readonly #unknown: boolean;

  constructor(
    readonly cluster: CoddCluster,
    readonly set: MigrationSet,
    readonly db: DatabaseHandle,
    readonly settings: Settings,
    readonly blocks: Block[],
  ) {
    const known = cluster.lineageOf(db);
    this.#unknown = known === undefined;
    this.lineage = known ?? cluster.newLineage(db);
    this.connections = new Connections(cluster, db, settings, this.lineage);
    this.records = new Records(this.connections);
    this.sender = new Sender(cluster, db, settings, this.lineage, this.connections);
  }

  close(): Promise<void> {
    return this.connections.close();
  }

  /** How codd starts: is the default connection there, does its schema exist, what did it record? */
  async start(options: RunOptions): Promise<Trace | undefined> {
    const from = options.from ?? 0;
    if (this.#unknown) await this.inferLineage(from);
    let accessible = true;
    try {
      const client = await this.connections.open(this.connections.defaultTarget);
      const ready = await client.query<{ ready: boolean }>(`SELECT to_regclass('codd.sql_migrations') IS NOT NULL AS ready`);
      this.records.schemaReady = ready.rows[0]?.ready === true;
      if (this.records.schemaReady) {
        const rows = await client.query<{ name: string; succeeded: boolean; n: number }>(
          `SELECT name, no_txn_failed_at IS NULL AS succeeded, COALESCE(num_applied_statements, 0) AS n FROM codd.sql_migrations`,
        );
        for (const row of rows.rows) this.records.applied.set(row.name, { succeeded: row.succeeded, count: row.n });
      }
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      accessible = false;
    }
    if (from > 0) {
      // A continuation of the run that made blocks < from: what it held in memory comes back.
      for (const block of this.blocks.slice(0, from)) {
        if (this.connections.targetOf(block.migrations[0]!).defaultConn) this.records.defaultOpen = true;
        for (const m of block.migrations) {
          if (!this.records.applied.has(m.name)) this.records.unregistered.push({ migration: m, failed: false, count: m.up.statements.length, durationMs: 0 });
        }
      }
    }
    if (!accessible) {
      const first = this.blocks.find((b) => b.index >= from && this.#pending(b).length > 0);
      if (!first || this.connections.targetOf(first.migrations[0]!).defaultDb) {
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
    if (!this.cluster.touches(this.set)) return;
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
        this.cluster.hold(l);
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
        this.cluster.addDatabase(l, setName, name);
      }
      if (l.owner !== undefined) await client.query(`ALTER DATABASE ${ident(this.db.name)} OWNER TO ${ident(l.owner)}`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  #pending(block: Block): Migration[] {
    return block.migrations.filter((m) => this.records.applied.get(m.name)?.succeeded !== true);
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
        trace.failure = { block, error: result.error, ...(failed ? { statement: failed.statement } : {}), ...(result.faulted ? { faulted: true } : {}), ...(result.ackLost ? { ackLost: true } : {}) };
        return trace;
      }
    }
    if (!stopped) {
      // After the last block codd opens its default connection, creates its schema if needed and
      // writes what it still holds in memory.
      try {
        await this.records.openDefault();
        await this.records.flushViaDefault();
      } catch (error) {
        const last = this.blocks[this.blocks.length - 1];
        trace.ok = false;
        if (last) trace.failure = { block: last, error: error instanceof ConnectError ? error.pgError : toPgError(error) };
      }
    }
    return trace;
  }

  async #runBlock(block: Block, faults: Fault[], retry: Retrying): Promise<BlockTrace> {
    const target = this.connections.targetOf(block.migrations[0]!);
    let client: pg.Client;
    try {
      if (block.migrations.some((m) => m.directives['requires-codd-schema'] === true)) {
        await this.records.openDefault();
        await this.records.flushViaDefault();
      }
      client = await this.connections.open(target);
      if (target.defaultConn) this.records.defaultOpen = true;
      // Before a no-txn block, or an in-txn one on another connection, codd writes what it holds
      // through its default connection if that is open (on the default one: inside the block).
      if (block.rule === 'no-txn' || !target.defaultConn) await this.records.flushViaDefault();
    } catch (error) {
      // Outside codd's retries: opening connections and flushing records come before them.
      return this.#inSetNames(failedBefore(block, error instanceof ConnectError ? error.pgError : toPgError(error), faults));
    }
    const trace = await (block.rule === 'in-txn' ? inTxnRetried(this, client, target, block, faults, retry) : noTxn(this, client, target, block, faults, retry));
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

  /** Statements `[0, count)` of `block` as the run would send them, without records. */
  async replay(block: Block, count: number): Promise<void> {
    if (this.#unknown) await this.inferLineage(block.index);
    const target = this.connections.targetOf(block.migrations[0]!);
    const client = await this.connections.open(target);
    const run = await execStatements(client, block.statements.slice(0, count), undefined, this.sender.send);
    if (run.error) throw new Error(`replaying statement ${(run.failedAt ?? 0) + 1} of block ${block.index + 1} failed: ${run.error.message}`);
  }
}
