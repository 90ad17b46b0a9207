import type { Node } from 'libpg-query';
import { as, option } from '../ast.js';
import { runnerWords } from '../context.js';
import type { Rule } from '../types.js';

/**
 * refused-in-transaction — a statement PostgreSQL refuses inside a transaction block, in a place
 * where the runner puts it inside one.
 *
 * The statements are those that call PreventInTransactionBlock: CREATE / DROP INDEX CONCURRENTLY,
 * REINDEX … CONCURRENTLY, ALTER TABLE … DETACH PARTITION … CONCURRENTLY, VACUUM, CLUSTER without
 * a table, CREATE / DROP DATABASE, ALTER DATABASE … SET TABLESPACE, CREATE / DROP TABLESPACE,
 * ALTER SYSTEM, CREATE SUBSCRIPTION that creates a slot, DISCARD ALL. They fail with `25001`
 * "… cannot run inside a transaction block" when the runner sends them inside its own
 * transaction (an `in-txn` block), as part of a string of two or more statements (PostgreSQL's
 * implicit transaction: a file or section a runner sends as one string, `script` blocks),
 * or after an explicit BEGIN. Alone in its string, or in a no-txn migration, the statement runs.
 */
export const refusedInTransaction: Rule = {
  id: 'refused-in-transaction',
  category: 'transaction',
  summary: 'a statement PostgreSQL refuses in a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …) where the runner runs it in one',
  squawk: 'ban-concurrent-index-creation-in-transaction (CREATE INDEX only)',
  atlas: 'PG103',
  kinds: [
    'IndexStmt',
    'DropStmt',
    'ReindexStmt',
    'AlterTableStmt',
    'VacuumStmt',
    'ClusterStmt',
    'CreatedbStmt',
    'DropdbStmt',
    'AlterDatabaseStmt',
    'CreateTableSpaceStmt',
    'DropTableSpaceStmt',
    'AlterSystemStmt',
    'CreateSubscriptionStmt',
    'DiscardStmt',
  ],
  statement(target, context) {
    if (!target.inTransactionBlock) return undefined;
    const node = context.ast(target.statement);
    const what = refused(node);
    if (!what) return undefined;
    return {
      at: target,
      message: `${what} cannot run inside a transaction block (25001), and here it ${target.transactionReason ?? 'runs inside one'}`,
      hint: runnerWords(context.model).alone,
      sqlstate: '25001',
    };
  },
};

/** The words PostgreSQL uses for a statement it refuses in a transaction block, or undefined. */
function refused(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (as<{ concurrent?: boolean }>(node, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (as<{ concurrent?: boolean }>(node, 'DropStmt')?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = as<{ params?: unknown[] }>(node, 'ReindexStmt');
  if (reindex && option(reindex.params, 'concurrently')) return 'REINDEX CONCURRENTLY';
  const alter = as<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
  for (const item of alter?.cmds ?? []) {
    const cmd = as<{ subtype?: string; def?: unknown }>(item, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_DetachPartition' && as<{ concurrent?: boolean }>(cmd.def, 'PartitionCmd')?.concurrent) {
      return 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY';
    }
  }
  if (as<{ is_vacuumcmd?: boolean }>(node, 'VacuumStmt')?.is_vacuumcmd) return 'VACUUM';
  const cluster = as<{ relation?: unknown }>(node, 'ClusterStmt');
  if (cluster && !cluster.relation) return 'CLUSTER without a table';
  if (as(node, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (as(node, 'DropdbStmt')) return 'DROP DATABASE';
  if (option(as<{ options?: unknown[] }>(node, 'AlterDatabaseStmt')?.options, 'tablespace')) return 'ALTER DATABASE … SET TABLESPACE';
  if (as(node, 'CreateTableSpaceStmt')) return 'CREATE TABLESPACE';
  if (as(node, 'DropTableSpaceStmt')) return 'DROP TABLESPACE';
  if (as(node, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  const subscription = as<{ options?: unknown[] }>(node, 'CreateSubscriptionStmt');
  if (subscription && createsSlot(subscription.options)) return 'CREATE SUBSCRIPTION … WITH (create_slot = true)';
  if (as<{ target?: string }>(node, 'DiscardStmt')?.target === 'DISCARD_ALL') return 'DISCARD ALL';
  return undefined;
}

/** CREATE SUBSCRIPTION creates a slot unless create_slot = false or connect = false. */
function createsSlot(options: unknown[] | undefined): boolean {
  for (const name of ['create_slot', 'connect']) {
    const arg = option(options, name)?.arg;
    const value = as<{ sval?: string }>(arg, 'String')?.sval ?? as<{ boolval?: boolean }>(arg, 'Boolean')?.boolval;
    if (value === false || value === 'false' || value === 'off' || value === '0') return false;
  }
  return true;
}
