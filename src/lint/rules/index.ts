import type { Rule } from '../types.js';
import { addConstraintUnguarded } from './add-constraint-unguarded.js';
import { cigogneDisableTransaction } from './cigogne-disable-transaction.js';
import { coddBootstrapOwner } from './codd-bootstrap-owner.js';
import { createIfNotExists } from './create-if-not-exists.js';
import { createOrReplace } from './create-or-replace.js';
import { dbmateTransactionFalse } from './dbmate-transaction-false.js';
import { dropIfExists } from './drop-if-exists.js';
import { dropRecreate } from './drop-recreate.js';
import { enumAddValueIfNotExists } from './enum-add-value-if-not-exists.js';
import { enumValueSameTransaction } from './enum-value-same-transaction.js';
import { golangMigrateMultiStatement } from './golang-migrate-multi-statement.js';
import { insertWithoutOnConflict } from './insert-without-on-conflict.js';
import { onConflictTarget } from './on-conflict-target.js';
import { psqlMetaCommand } from './psql-meta-command.js';
import { refusedInTransaction } from './refused-in-transaction.js';
import { rename } from './rename.js';
import { staleColumnReference } from './stale-column-reference.js';
import { transactionNesting } from './transaction-nesting.js';
import { uncommittedTransaction } from './uncommitted-transaction.js';
import { unusedIgnore } from './unused-ignore.js';
import { updateNotConvergent } from './update-not-convergent.js';

/** Every rule, in the order docs/lint.md lists them. */
export const RULES: readonly Rule[] = [
  // re-run safety
  createIfNotExists,
  dropIfExists,
  dropRecreate,
  addConstraintUnguarded,
  createOrReplace,
  enumAddValueIfNotExists,
  insertWithoutOnConflict,
  onConflictTarget,
  updateNotConvergent,
  rename,
  staleColumnReference,
  // transaction safety
  refusedInTransaction,
  transactionNesting,
  uncommittedTransaction,
  enumValueSameTransaction,
  // runners
  cigogneDisableTransaction,
  dbmateTransactionFalse,
  golangMigrateMultiStatement,
  coddBootstrapOwner,
  // psql
  psqlMetaCommand,
  // suppression comments
  unusedIgnore,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
