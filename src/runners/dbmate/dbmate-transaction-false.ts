import type { Rule } from '../../lint/types.js';

/**
 * dbmate-transaction-false — a dbmate migration marked `-- migrate:up transaction:false` whose
 * up section has more than one statement.
 *
 * `transaction:false` only drops dbmate's BEGIN: the section is still sent as one string, and
 * PostgreSQL runs a multi-statement string in one implicit transaction (dbmate #126, #182,
 * #285). So a statement that cannot run in a transaction block (the usual reason for the
 * directive: CREATE INDEX CONCURRENTLY) still fails with 25001, and dbmate records the version
 * afterwards in a separate statement, so a crash in between leaves it unrecorded.
 */
export const dbmateTransactionFalse: Rule = {
  id: 'dbmate-transaction-false',
  category: 'runner',
  summary: 'dbmate transaction:false migration with more than one statement (still one implicit transaction)',
  squawk: 'none',
  atlas: 'none',
  statement(target, context) {
    if (target.migration.directives.transaction !== false || target.index !== 0) return undefined;
    const count = target.migration.up.statements.length;
    if (count < 2) return undefined;
    return {
      at: target,
      message:
        `this transaction:false migration has ${count} statements, but dbmate still sends the up section as one string, which PostgreSQL runs in one implicit transaction: ` +
        'a statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY, …) fails with 25001, and the others do not get the transaction-free run the directive promises',
      hint: 'give each statement that must run outside a transaction a transaction:false migration of its own, and put the others in a normal, transactional migration',
    };
  },
};
