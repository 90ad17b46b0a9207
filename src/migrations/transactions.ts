import type { Statement } from './types.js';

/*
 * One model of how PostgreSQL groups statements run in order on one session into transactions,
 * for what the checks promise (fault), what lint places (rules read each statement's transaction)
 * and what a runner's trace says stayed (execute). Pure: it reads the parser's transaction kind
 * (Statement.detail.transaction, libpg-query's TransactionStmtKind without its prefix).
 */

/**
 * How the statements reach the server:
 * - `autocommit`: one at a time, each its own transaction unless an explicit BEGIN is open;
 * - `wrapped`: inside the tool's own BEGIN … COMMIT (a COMMIT in the text ends it early, and what
 *   follows autocommits);
 * - `string`: as one multi-statement string, which PostgreSQL runs as one implicit transaction
 *   (a COMMIT in it ends that transaction, and the next statement starts a new one).
 */
export type Wrapping = 'autocommit' | 'wrapped' | 'string';

/** BEGIN and START TRANSACTION. */
export function opensTransaction(statement: Statement): boolean {
  const kind = statement.detail?.transaction;
  return kind === 'BEGIN' || kind === 'START';
}

/** What ends the session's transaction block: COMMIT (END parses as COMMIT), ROLLBACK, PREPARE TRANSACTION. */
export function closesTransaction(statement: Statement): boolean {
  const kind = statement.detail?.transaction;
  return kind === 'COMMIT' || kind === 'ROLLBACK' || kind === 'PREPARE';
}

/** A COMMIT (or COMMIT PREPARED): the work before it is durable once it ran. */
export function isCommit(statement: Statement): boolean {
  const kind = statement.detail?.transaction;
  return kind === 'COMMIT' || kind === 'COMMIT_PREPARED';
}

/** Where one statement runs. */
export interface Placement {
  /** The transaction it runs in: equal numbers, one transaction. */
  transaction: number;
  /** PostgreSQL sees it inside a transaction block (the tool's, the implicit one of a string, or an explicit one). */
  inBlock: boolean;
  /** Index of the BEGIN that opened the explicit transaction it runs in, when one did (not inside the tool's or a string's). */
  explicitFrom?: number;
}

/**
 * The transaction of each statement, in order. `next` numbers transactions (a caller that places
 * several blocks passes one counter, so numbers stay distinct across them); the first one is taken
 * when the walk starts, a new one for each autocommitted statement, each explicit BEGIN and each
 * statement after a transaction ends.
 */
export function placeTransactions(statements: readonly Statement[], wrapping: Wrapping, next: () => number): Placement[] {
  const reopens = wrapping === 'string';
  let inBlock = wrapping !== 'autocommit';
  let explicitFrom: number | undefined;
  let current = next();
  return statements.map((statement, i) => {
    if (opensTransaction(statement) && !inBlock) {
      inBlock = true;
      explicitFrom = i;
      current = next();
    } else if (!inBlock) {
      current = next();
    }
    const placed: Placement = { transaction: current, inBlock, ...(explicitFrom !== undefined ? { explicitFrom } : {}) };
    if (closesTransaction(statement)) {
      // A string starts a new implicit transaction with the next statement; otherwise it autocommits.
      inBlock = reopens;
      explicitFrom = undefined;
      current = next();
    }
    return placed;
  });
}

/**
 * How many leading statements have taken effect for good when a run stops before statement `at`
 * (`at` = the count: after the last), without any rollback of the tool's own:
 * - `string`: those up to the last COMMIT that ran; the implicit transaction is lost with the rest;
 * - `autocommit`: all of them, less an explicit transaction still open (from its BEGIN on).
 * `wrapped` is the tool's transaction, which it rolls back: none.
 */
export function committedBefore(statements: readonly Statement[], wrapping: Wrapping, at: number): number {
  if (wrapping === 'wrapped') return 0;
  let committed = 0;
  let open: number | undefined;
  for (let i = 0; i < at; i++) {
    const statement = statements[i]!;
    if (wrapping === 'string') {
      if (isCommit(statement)) committed = i + 1;
      continue;
    }
    if (opensTransaction(statement) && open === undefined) open = i;
    else if (open !== undefined && (closesTransaction(statement) || isCommit(statement))) open = undefined;
    if (open === undefined) committed = i + 1;
  }
  return committed;
}

/** A block's transaction rule, as a plan states it (src/runners/types.ts BlockRule). */
type Rule = 'in-txn' | 'no-txn' | 'script';

/** How a block of each rule reaches the server. */
export function wrappingOf(rule: Rule): Wrapping {
  return rule === 'in-txn' ? 'wrapped' : rule === 'script' ? 'string' : 'autocommit';
}

/**
 * How many leading statements of a block a fault before statement `at` leaves in effect, as the
 * block's rule promises: an in-txn block none (the tool rolls it back; a COMMIT of the block's own
 * breaks that promise, which is what the fault check finds); a no-txn block those before the
 * fault, less an explicit transaction still open; a script those up to its last COMMIT.
 */
export function durablePrefix(block: { rule: Rule; statements: readonly Statement[] }, at: number): number {
  return committedBefore(block.statements, wrappingOf(block.rule), at);
}
