import type { Node } from 'libpg-query';
import { closesTransaction, placeTransactions, type Placement, type Wrapping } from '../migrations/transactions.js';
import type { Migration, MigrationSet, Statement } from '../migrations/types.js';
import { toolNamed } from '../runners/registry.js';
import type { RunnerWords } from '../runners/tool.js';
import type { Block, Plan, RunnerModel, RunnerOptions, TrackerSpec } from '../runners/types.js';
import { trackerOf } from '../runners/tracker.js';
import { parseStatement } from './ast.js';
import { buildSchema } from './schema/model.js';
import type { LintContext, LintStatement } from './types.js';

const GENERIC: RunnerWords = { wrap: 'the transaction the runner opens', unit: 'migration', alone: 'run it alone, outside a transaction', again: 'the next run applies it again' };

/** How the tool of `model` words its transactions (generic words for a model of no tool). */
export function runnerWords(model: RunnerModel): RunnerWords {
  return toolNamed(model.name)?.lint.words ?? GENERIC;
}

/**
 * The statements of a plan with the transaction each one runs in and whether it can run again on
 * top of its own effect. Rules read these instead of re-deriving the runner's semantics.
 */
export function buildContext(set: MigrationSet, model: RunnerModel, plan: Plan, runnerOptions: RunnerOptions = {}): LintContext {
  const trees = new Map<Statement, Node | null>();
  const ast = (statement: Statement): Node | undefined => {
    let tree = trees.get(statement);
    if (tree === undefined) {
      tree = statement.kind === 'NoParse' || statement.kind === 'Unknown' ? null : (parseStatement(statement.sql) ?? null);
      trees.set(statement, tree);
    }
    return tree ?? undefined;
  };

  const statements: LintStatement[] = [];
  const byMigration = new Map<Migration, LintStatement[]>();
  const counter = { transaction: 0 };
  const recordsWith = toolNamed(model.name)?.lint.recordsWith?.(set, runnerOptions, ast) ?? ((block: Block) => block.rule === 'in-txn');
  for (const block of plan.blocks) {
    const placed = placeBlock(block, model, trackerOf(model, plan), counter, statements.length, recordsWith(block));
    for (const s of placed) {
      statements.push(s);
      const list = byMigration.get(s.migration) ?? [];
      list.push(s);
      byMigration.set(s.migration, list);
    }
  }
  return {
    set,
    model,
    plan,
    runnerOptions,
    statements,
    statementsOf: (migration) => byMigration.get(migration) ?? [],
    ast,
    schema: buildSchema(statements, ast),
  };
}

function placeBlock(block: Block, model: RunnerModel, tracker: TrackerSpec | undefined, counter: { transaction: number }, order: number, atomic: boolean): LintStatement[] {
  const words = runnerWords(model);
  // The parser's statements of each migration: a runner's pieces (a naive split on every `;`)
  // are what it sends, but rules read SQL, and only the parser's statements are whole SQL.
  const entries = block.migrations.flatMap((migration) => migration.up.statements.map((statement, index) => ({ migration, statement, index })));
  const count = entries.length;
  const implicit = block.rule === 'script' && count >= 2;

  const wrapping: Wrapping = block.rule === 'in-txn' ? 'wrapped' : implicit ? 'string' : 'autocommit';
  const transactions = placeTransactions(
    entries.map((e) => e.statement),
    wrapping,
    () => ++counter.transaction,
  );
  const reasonOf = (placement: Placement): string | undefined => {
    if (!placement.inBlock) return undefined;
    if (placement.explicitFrom !== undefined) {
      const begin = entries[placement.explicitFrom]!.statement;
      return `runs inside the explicit ${begin.sql.split(/\s/)[0]!.toUpperCase()} at line ${begin.line}`;
    }
    return wrapping === 'wrapped' ? `runs inside ${words.wrap}` : implicitReason(model, words, block);
  };
  const placed: LintStatement[] = entries.map(({ migration, statement, index }, i) => {
    const placement = transactions[i]!;
    const reason = reasonOf(placement);
    return {
      statement,
      migration,
      block,
      order: order + i,
      index,
      indexInBlock: i,
      endLine: statement.line + countLines(statement.sql) - 1,
      inTransactionBlock: placement.inBlock,
      ...(reason ? { transactionReason: reason } : {}),
      transaction: placement.transaction,
    };
  });

  if (!tracker) {
    for (const s of placed) Object.assign(s, { rerun: 'every-run', rerunReason: words.again });
    return placed;
  }
  const last = placed[placed.length - 1];
  for (const s of placed) {
    const reason = partialReason(s, placed, last, atomic, words);
    if (reason) Object.assign(s, { rerun: 'after-partial-apply', rerunReason: reason });
  }
  return placed;
}

function implicitReason(model: RunnerModel, words: RunnerWords, block: Block): string {
  const what = words.script ?? `the ${words.unit}`;
  const n = block.migrations.reduce((sum, m) => sum + m.up.statements.length, 0);
  return `runs inside an implicit transaction: ${model.name} sends ${what} as one string of ${n} statements, and PostgreSQL runs such a string as one transaction`;
}

/** Why a statement's effect can outlive a failure of its migration, or undefined if it cannot. */
function partialReason(s: LintStatement, placed: LintStatement[], last: LintStatement | undefined, atomic: boolean, words: RunnerWords): string | undefined {
  const withLast = last !== undefined && s.transaction === last.transaction;
  if (withLast && atomic) return undefined;
  if (s.block.rule === 'no-txn') {
    return words.noTxnRerun ?? `it commits on its own and the migration is recorded only later: if the run stops in between, ${words.again}`;
  }
  if (!withLast) {
    const commit = placed.find((o) => o.transaction === s.transaction && closesTransaction(o.statement));
    const by = commit ? `the ${commit.statement.sql.split(/\s/)[0]!.toUpperCase()} at line ${commit.statement.line} commits it` : 'it commits';
    return `${by} before the rest of the ${words.unit} runs: if a later statement fails, ${words.again}`;
  }
  return words.recordedApart ?? `the migration is recorded after it ran, separately: if the process dies in between, ${words.again}`;
}


function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
