import pg from 'pg';
import type { Statement } from '../../migrations/types.js';
import { roleTaken } from '../../postgres/cluster-roles.js';
import { ident } from '../../postgres/server.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { caseDatabaseName, type CoddCluster, type Lineage } from './cluster.js';
import type { Connections } from './connections.js';
import { NO_PARSE_KIND } from './format.js';
import type { Settings } from './plan.js';
import { CLUSTER_KINDS, isDatabaseObject, ownerOf, parseOne, renameDatabases } from './sql.js';

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

/**
 * How codd sends a statement: as it is, COPY with its data, and statements about databases and
 * roles onto the case's own objects (they belong to the whole server).
 */
export class Sender {
  constructor(
    readonly cluster: CoddCluster,
    readonly db: DatabaseHandle,
    readonly settings: Settings,
    readonly lineage: Lineage,
    readonly connections: Connections,
  ) {}

  /** How codd sends one statement on `client`. */
  readonly send = async (client: pg.Client, statement: Statement): Promise<unknown> => {
    if (statement.kind === NO_PARSE_KIND) return client.query(statement.sql);
    if (statement.copyData !== undefined) return copyIn(client, statement.sql, statement.copyData);
    if (CLUSTER_KINDS.has(statement.kind)) return this.#sendClusterStatement(client, statement);
    return client.query(statement.sql);
  };

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
      this.cluster.addDatabase(this.lineage, setName, name);
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
      this.cluster.addDatabase(this.lineage, newname, newName);
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
    const inTxn = this.connections.status(client) === 'T';
    if (inTxn) await client.query('SAVEPOINT migtest_create_role');
    try {
      const result = await client.query(sql);
      this.cluster.created(this.db.config, role);
      this.lineage.roles.add(role);
      this.cluster.hold(this.lineage);
      if (inTxn) await client.query('RELEASE SAVEPOINT migtest_create_role');
      return result;
    } catch (error) {
      // Made by another case, before or at the same moment (roleTaken).
      if (!roleTaken(error)) throw error;
      if (inTxn) await client.query('ROLLBACK TO SAVEPOINT migtest_create_role');
      this.lineage.roles.add(role);
      this.cluster.hold(this.lineage);
      return undefined;
    }
  }
}
