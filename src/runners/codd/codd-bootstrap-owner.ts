import { as, option, str } from '../../lint/ast.js';
import { coddDefaultDatabase, onDefaultConnection } from './plan.js';
import type { Rule } from '../../lint/types.js';

/**
 * codd-bootstrap-owner — codd's bootstrap creates the database that CODD_CONNECTION names
 * without making CODD_CONNECTION's user its owner (runner options `database` and `user`).
 *
 * After the bootstrap, codd connects to the new database as that user and creates its own schema
 * there (`codd.sql_migrations`). On PostgreSQL 15+ only the database's owner may create in it, so
 * the first migration on the default connection fails with 42501 ("Not enough permissions to
 * create or update codd's internal schema"), and the bootstrap, recorded only with that first
 * block, stays unrecorded. The finding sits on the CREATE DATABASE; execution shows it at the
 * first statement on the new database (`effect`).
 */
export const coddBootstrapOwner: Rule = {
  id: 'codd-bootstrap-owner',
  category: 'runner',
  summary: "codd bootstrap: CREATE DATABASE of CODD_CONNECTION's database without OWNER its user",
  squawk: 'none',
  atlas: 'none',
  kinds: ['CreatedbStmt'],
  statement(target, context) {
    const user = context.runnerOptions.user;
    if (!user) return undefined;
    const create = as<{ dbname?: string; options?: unknown[] }>(context.ast(target.statement), 'CreatedbStmt');
    const database = coddDefaultDatabase(context.set, context.runnerOptions, context.ast);
    if (!create?.dbname || create.dbname !== database) return undefined;
    const arg = option(create.options, 'owner')?.arg;
    const owner = str(arg) ?? as<{ rolename?: string }>(arg, 'RoleSpec')?.rolename;
    if (owner === user) return undefined;
    // Where codd first connects to the new database as the user: the next default-connection migration.
    const first = context.statements.find((s) => s.order > target.order && onDefaultConnection(s.migration, database));
    return {
      at: target,
      message:
        `CREATE DATABASE ${create.dbname} ${owner ? `makes ${owner} its owner` : 'has no OWNER'}, but codd then connects to it as ${user} (CODD_CONNECTION) and must create its schema there: ` +
        `only the owner may (PostgreSQL 15+), so the first migration on ${create.dbname} fails with 42501 and the bootstrap is never recorded`,
      hint: `write CREATE DATABASE ${create.dbname} OWNER ${user}`,
      sqlstate: '42501',
      ...(first ? { effect: { file: first.statement.file, line: first.statement.line } } : {}),
    };
  },
};
