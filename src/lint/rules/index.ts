import { TOOLS } from '../../runners/registry.js';
import type { Rule } from '../types.js';
import { addConstraintUnguarded } from './add-constraint-unguarded.js';
import { createIfNotExists } from './create-if-not-exists.js';
import { createOrReplace } from './create-or-replace.js';
import { dropIfExists } from './drop-if-exists.js';
import { dropRecreate } from './drop-recreate.js';
import { downLeavesBehind } from './down-leaves-behind.js';
import { downRunsAgain } from './down-runs-again.js';
import { enumAddValueIfNotExists } from './enum-add-value-if-not-exists.js';
import { enumValueSameTransaction } from './enum-value-same-transaction.js';
import { notNullWithoutDefault } from './not-null-without-default.js';
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

/** Every rule, in the order docs/lint.md lists them; a tool's own rules come from its folder. */
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
  downLeavesBehind,
  downRunsAgain,
  // transaction safety
  refusedInTransaction,
  transactionNesting,
  uncommittedTransaction,
  enumValueSameTransaction,
  // data already in the tables
  notNullWithoutDefault,
  // runners: each tool's own rules, in registry order
  ...TOOLS.flatMap((tool) => tool.lint.rules),
  // psql
  psqlMetaCommand,
  // suppression comments
  unusedIgnore,
];

/** Each tool's own rules by id, with the tool they belong to: they speak only under its model. */
const TOOL_OF_RULE = new Map<string, string>(TOOLS.flatMap((tool) => tool.lint.rules.map((rule) => [rule.id, tool.name] as [string, string])));

/** Whether `rule` looks at a set run by `model`: the shared rules always, a tool's own only under that tool. */
export function ruleApplies(rule: Rule, model: string): boolean {
  const tool = TOOL_OF_RULE.get(rule.id);
  return tool === undefined || tool === model;
}

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
