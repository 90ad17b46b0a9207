import type { RangeVar } from 'libpg-query';
import { as, lastName, tableKey } from '../ast.js';
import { keyOfNames } from '../schema/names.js';
import { columnPresence } from '../schema/guards.js';
import { relationKey } from '../schema/state.js';
import type { LintContext, LintStatement, Problem, Rule } from '../types.js';
import { droppedBefore, head, inEveryRerun, wasDropped, whenAgain } from './common.js';

/**
 * create-if-not-exists — a CREATE (table, index, sequence, schema, extension, materialized view,
 * column, type, role, policy, statistics) that fails with "already exists" when it runs again.
 *
 * Where a statement runs twice (every start of a tracker-less runner, or after a partial apply
 * of a migration the tool has not recorded), the object is already there the second time:
 * `42P07` relation, `42701` column, `42710` object, `42P06` schema. `IF NOT EXISTS` makes it a
 * no-op. Types, roles and policies have no `IF NOT EXISTS`: guard them in a DO block, or drop
 * them `IF EXISTS` first in the same migration (which this rule accepts). An index without a
 * name is worse: the second run builds a second copy under a new name, and no error says so.
 *
 * Not flagged: `CREATE DATABASE` and `CREATE TABLESPACE`, which nothing can guard (they cannot
 * run in a DO block); a second run finds them with `42P04`, and only an operator can decide. Nor
 * a CREATE whose object the schema model shows is gone when the statement runs again (a later
 * file drops it, or an earlier statement of the same migration does): it simply makes it again.
 */
export const createIfNotExists: Rule = {
  id: 'create-if-not-exists',
  category: 're-run',
  summary: 'CREATE without IF NOT EXISTS (or a guard) where the statement can run twice',
  squawk: 'prefer-robust-stmts',
  atlas: 'none',
  kinds: [
    'CreateStmt',
    'IndexStmt',
    'CreateSeqStmt',
    'CreateSchemaStmt',
    'CreateExtensionStmt',
    'CreateTableAsStmt',
    'CreateStatsStmt',
    'AlterTableStmt',
    'CreateEnumStmt',
    'CompositeTypeStmt',
    'CreateDomainStmt',
    'CreateRangeStmt',
    'CreateRoleStmt',
    'CreatePolicyStmt',
  ],
  statement(target, context) {
    const node = context.ast(target.statement);
    if (!node) return undefined;
    const kind = target.statement.kind;
    const body = as<Record<string, unknown>>(node, kind) ?? {};
    const problem = (what: string, sqlstate: string, hint: string): Problem => ({
      at: target,
      message: `${what} fails with ${sqlstate} (already exists) when it runs again: ${whenAgain(target)}`,
      hint,
      sqlstate,
    });

    const gone = (key: string): boolean => inEveryRerun(target, context, (state) => state.gone(key));
    switch (kind) {
      case 'AlterTableStmt':
        return addColumns(target, context, body);
      case 'IndexStmt': {
        if (body.if_not_exists) return undefined;
        const relation = body.relation as RangeVar | undefined;
        const table = tableKey(relation);
        if (!body.idxname) {
          // On a table the run made anew, the index is made once, as on a fresh database.
          if (table && inEveryRerun(target, context, (state) => state.fresh(`relation:${table}`))) return undefined;
          return {
            at: target,
            message: `${head(target)} has no name, so when it runs again PostgreSQL builds a second, identical index under a new name (…_idx1): ${whenAgain(target)}`,
            hint: 'name the index and add IF NOT EXISTS: CREATE INDEX IF NOT EXISTS <name> ON …',
          };
        }
        if (gone(relationKey(relation?.schemaname, String(body.idxname)))) return undefined;
        const concurrently = body.concurrent ? ' CONCURRENTLY' : '';
        return problem(`CREATE INDEX${concurrently} ${String(body.idxname)}`, '42P07', `write CREATE${body.unique ? ' UNIQUE' : ''} INDEX${concurrently} IF NOT EXISTS ${String(body.idxname)} …`);
      }
      case 'CreateStmt':
      case 'CreateSeqStmt':
      case 'CreateTableAsStmt': {
        if (body.if_not_exists) return undefined;
        const relation = (kind === 'CreateTableAsStmt' ? (body.into as { rel?: RangeVar } | undefined)?.rel : (body.relation ?? body.sequence)) as RangeVar | undefined;
        if (relation?.relpersistence === 't') return undefined; // a temporary table dies with the session
        if (tableKey(relation) && gone(`relation:${tableKey(relation)!}`)) return undefined;
        const what = kind === 'CreateSeqStmt' ? 'SEQUENCE' : kind === 'CreateTableAsStmt' ? (body.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE … AS') : 'TABLE';
        return problem(`CREATE ${what} ${relation?.relname ?? ''}`.trimEnd(), '42P07', `write CREATE ${what.replace(' … AS', '')} IF NOT EXISTS ${relation?.relname ?? '…'}`);
      }
      case 'CreateSchemaStmt':
        return body.if_not_exists || gone(`schema:${String(body.schemaname)}`) ? undefined : problem(`CREATE SCHEMA ${String(body.schemaname ?? '')}`, '42P06', 'write CREATE SCHEMA IF NOT EXISTS …');
      case 'CreateExtensionStmt':
        return body.if_not_exists || gone(`extension:${String(body.extname)}`) ? undefined : problem(`CREATE EXTENSION ${String(body.extname ?? '')}`, '42710', 'write CREATE EXTENSION IF NOT EXISTS …');
      case 'CreateStatsStmt':
        return body.if_not_exists ? undefined : problem('CREATE STATISTICS', '42710', 'write CREATE STATISTICS IF NOT EXISTS …');
      case 'CreateEnumStmt':
      case 'CompositeTypeStmt':
      case 'CreateDomainStmt':
      case 'CreateRangeStmt': {
        const names = kind === 'CompositeTypeStmt' ? [(body.typevar as RangeVar | undefined)?.relname] : kind === 'CreateDomainStmt' ? [lastName(body.domainname)] : [lastName(body.typeName)];
        const name = names[0];
        if (wasDropped(droppedBefore(target, context), ['OBJECT_TYPE', 'OBJECT_DOMAIN'], name)) return undefined;
        const key = kind === 'CompositeTypeStmt' ? `type:${tableKey(body.typevar as RangeVar | undefined) ?? ''}` : keyOfNames('type', kind === 'CreateDomainStmt' ? body.domainname : body.typeName);
        if (key && gone(key)) return undefined;
        const what = kind === 'CreateDomainStmt' ? 'DOMAIN' : 'TYPE';
        return problem(
          `CREATE ${what} ${name ?? ''}`,
          '42710',
          `CREATE ${what} has no IF NOT EXISTS: guard it in a DO block (DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '${name ?? '…'}') THEN CREATE ${what} …; END IF; END $$)`,
        );
      }
      case 'CreateRoleStmt': {
        const name = String(body.role ?? '');
        return problem(
          `CREATE ROLE ${name}`,
          '42710',
          `CREATE ROLE has no IF NOT EXISTS: guard it in a DO block (DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} …; END IF; END $$)`,
        );
      }
      case 'CreatePolicyStmt': {
        const name = String(body.policy_name ?? '');
        const table = (body.table as RangeVar | undefined)?.relname;
        if (wasDropped(droppedBefore(target, context), 'OBJECT_POLICY', name, table)) return undefined;
        const on = tableKey(body.table as RangeVar | undefined) ?? '';
        if (inEveryRerun(target, context, (state) => state.presence(`relation:${on}`) === 'present' && state.table(on)?.opaque === false && !state.table(on)!.policies.has(name))) return undefined;
        return problem(`CREATE POLICY ${name}`, '42710', `CREATE POLICY has no IF NOT EXISTS: drop it first in the same migration (DROP POLICY IF EXISTS ${name} ON ${table ?? '…'})`);
      }
    }
    return undefined;
  },
};

function addColumns(target: LintStatement, context: LintContext, body: Record<string, unknown>): Problem | undefined {
  const table = tableKey(body.relation as RangeVar | undefined) ?? '';
  for (const item of (body.cmds as unknown[] | undefined) ?? []) {
    const cmd = as<{ subtype?: string; missing_ok?: boolean; def?: unknown }>(item, 'AlterTableCmd');
    if (cmd?.subtype !== 'AT_AddColumn' || cmd.missing_ok) continue;
    const column = as<{ colname?: string }>(cmd.def, 'ColumnDef')?.colname ?? '…';
    if (inEveryRerun(target, context, (state) => columnPresence(state, table, column) === 'absent')) continue;
    return {
      at: target,
      message: `ADD COLUMN ${column} fails with 42701 (column already exists) when it runs again: ${whenAgain(target)}`,
      hint: `write ADD COLUMN IF NOT EXISTS ${column} …`,
      sqlstate: '42701',
    };
  }
  return undefined;
}
