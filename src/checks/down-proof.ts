import type { Script } from '../migrations/types.js';

/**
 * Statements that add rows (new objects; rows into any table, which the down deletes again) or
 * change only rows that a state mark compares by their contents (pg_class, pg_attribute,
 * pg_constraint: src/snapshot/mark.ts, BY_CONTENTS).
 */
const MARKED = new Set([
  'CreateStmt',
  'CreateSeqStmt',
  'CreateEnumStmt',
  'CompositeTypeStmt',
  'CreateDomainStmt',
  'CreateFunctionStmt',
  'ViewStmt',
  'CreateSchemaStmt',
  'IndexStmt',
  'InsertStmt',
  'CommentStmt',
  'TransactionStmt',
  'AlterTableStmt',
]);

/** ALTER TABLE commands of that kind: new rows, or new contents of the table's and its columns' and constraints' rows. */
const MARKED_ALTERS = new Set([
  'AT_AddColumn',
  'AT_AddConstraint',
  'AT_AddIndex',
  'AT_AddIndexConstraint',
  'AT_ColumnDefault',
  'AT_SetNotNull',
  'AT_DropNotNull',
  'AT_ValidateConstraint',
  'AT_SetStorage',
  'AT_SetStatistics',
]);

/**
 * Whether the state before this up should be kept as a raw digest as well as a mark, read
 * statically. A down that undoes an up exactly leaves the row versions there were before it, or
 * rows of the same contents where the mark compares contents; then the mark proves the step. An up
 * that changes other rows that were there before (UPDATE, DELETE, CREATE OR REPLACE, most ALTERs)
 * cannot be undone to the same versions, so the raw digest of the state before it proves the step
 * instead. A guess either way: a wrong one costs time (the step compared the slow way), never a verdict.
 */
export function keepsRawBefore(up: Script): boolean {
  return up.statements.some((statement) => {
    if (!MARKED.has(statement.kind)) return true;
    if (statement.kind === 'AlterTableStmt') return (statement.detail?.alterTableCommands ?? []).some((command) => !MARKED_ALTERS.has(command));
    if (statement.kind === 'CreateFunctionStmt' || statement.kind === 'ViewStmt') return /\bor\s+replace\b/i.test(statement.sql);
    return false;
  });
}

/**
 * Per state j (before up j+1), whether check `down` keeps its raw digest: before an up that
 * keepsRawBefore, and before one that adds rows to a table it did not create when a later up
 * rewrites rows. Undoing such a rewrite leaves new row versions of the same values, proved by the
 * raw digest and then judged by the mark read after it (src/checks/down.ts, Walk), but only down to
 * the state from which the ups left that table alone: below an up that added rows to it, the mark
 * on the way up holds the versions before the rewrite, and only the raw digest proves the step.
 */
export function rawDigestsKept(ups: Script[]): boolean[] {
  const rewrites = ups.map(keepsRawBefore);
  let later = false;
  const kept: boolean[] = new Array<boolean>(ups.length);
  for (let j = ups.length - 1; j >= 0; j--) {
    kept[j] = rewrites[j]! || (later && addsToEarlierTable(ups[j]!));
    later ||= rewrites[j]!;
  }
  return kept;
}

/** An INSERT into a table the same up does not create. */
function addsToEarlierTable(up: Script): boolean {
  const key = (relation: { schema?: string; name: string }): string => `${relation.schema ?? ''}.${relation.name}`;
  const created = new Set(up.statements.filter((s) => s.kind === 'CreateStmt' && s.detail?.relation).map((s) => key(s.detail!.relation!)));
  return up.statements.some((s) => s.kind === 'InsertStmt' && (!s.detail?.relation || !created.has(key(s.detail.relation))));
}
