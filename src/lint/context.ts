import type { Node } from 'libpg-query';
import type { Migration, MigrationSet, Statement } from '../migrations/types.js';
import type { Block, Plan, RunnerModel, RunnerOptions } from '../runners/types.js';
import { as, parseStatement } from './ast.js';
import { buildSchema } from './schema/model.js';
import type { LintContext, LintStatement } from './types.js';

const OPENS = new Set(['BEGIN', 'START']);
/** What ends a transaction block (END is parsed as COMMIT). */
const CLOSES = new Set(['COMMIT', 'ROLLBACK', 'PREPARE']);

/** How each runner words the transaction it opens, and where a statement goes to escape it. */
interface RunnerWords {
  /** "… runs it inside <wrap>". */
  wrap: string;
  /** "a script": what the runner sends as one string. */
  unit: string;
  /** How to run a statement outside a transaction with this runner. */
  alone: string;
  /** How the runner applies a migration again after a partial apply. */
  again: string;
}

const WORDS: Record<string, RunnerWords> = {
  'rerun-all': {
    wrap: 'a transaction',
    unit: 'file',
    alone: 'put it alone in a file of its own (a one-statement string runs outside a transaction block)',
    again: 'rerun-all runs every *.up.sql again at each start: nothing records what ran',
  },
  'golang-migrate': {
    wrap: 'the transaction that transactions=true opens for the file and its version update',
    unit: 'file',
    alone: 'put it alone in a file of its own, and run that set without transactions=true (the proposal has no per-file opt-out)',
    again: 'the version stays dirty, and after `migrate force` the next `migrate up` runs the whole file again',
  },
  cigogne: {
    wrap: 'the one transaction in which cigogne runs every pending transactional migration',
    unit: 'migration',
    alone: 'give it a migration of its own marked `--- migration:up disable_transaction`',
    again: 'the migration is not recorded, and the next run applies it again',
  },
  codd: {
    wrap: 'the transaction in which codd runs consecutive in-txn migrations',
    unit: 'migration',
    alone: 'give it a migration of its own with the header `-- codd: no-txn`',
    again: 'the migration is not recorded, and the next `codd up` runs it again from its first statement',
  },
  dbmate: {
    wrap: 'the transaction dbmate opens around each migration',
    unit: 'up section',
    alone: 'give it a migration of its own marked `-- migrate:up transaction:false`, with no other statement',
    again: 'the version is not recorded, and the next `dbmate up` sends the section again',
  },
};

export function runnerWords(model: RunnerModel): RunnerWords {
  return WORDS[model.name] ?? { wrap: 'the transaction the runner opens', unit: 'migration', alone: 'run it alone, outside a transaction', again: 'the next run applies it again' };
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
  const defaultDatabase = model.name === 'codd' ? coddDefaultDatabase(set, runnerOptions, ast) : undefined;
  for (const block of plan.blocks) {
    const placed = placeBlock(block, model, counter, statements.length, defaultDatabase);
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

function placeBlock(block: Block, model: RunnerModel, counter: { transaction: number }, order: number, defaultDatabase: string | undefined): LintStatement[] {
  const words = runnerWords(model);
  // The parser's statements of each migration: a runner's pieces (golang-migrate's naive split)
  // are what it sends, but rules read SQL, and only the parser's statements are whole SQL.
  const entries = block.migrations.flatMap((migration) => migration.up.statements.map((statement, index) => ({ migration, statement, index })));
  const count = entries.length;
  const implicit = block.rule === 'script' && count >= 2;

  let open = block.rule === 'in-txn' || implicit;
  let current = ++counter.transaction;
  let reason = block.rule === 'in-txn' ? `runs inside ${words.wrap}` : implicit ? implicitReason(model, words, block) : undefined;
  const placed: LintStatement[] = [];
  entries.forEach(({ migration, statement, index }, i) => {
    const kind = statement.detail?.transaction ?? '';
    if (OPENS.has(kind) && !open) {
      open = true;
      current = ++counter.transaction;
      reason = `runs inside the explicit ${statement.sql.split(/\s/)[0]!.toUpperCase()} at line ${statement.line}`;
    } else if (!open) {
      current = ++counter.transaction; // autocommitted on its own
    }
    placed.push({
      statement,
      migration,
      block,
      order: order + i,
      index,
      indexInBlock: i,
      endLine: statement.line + countLines(statement.sql) - 1,
      inTransactionBlock: open,
      ...(open && reason ? { transactionReason: reason } : {}),
      transaction: current,
    });
    if (CLOSES.has(kind)) {
      // A multi-statement string starts a new implicit transaction with the next statement.
      open = implicit;
      current = ++counter.transaction;
      reason = implicit ? implicitReason(model, words, block) : undefined;
    }
  });

  if (!model.tracker) {
    for (const s of placed) Object.assign(s, { rerun: 'every-run', rerunReason: words.again });
    return placed;
  }
  const last = placed[placed.length - 1];
  const atomic = recordedAtomically(block, model, defaultDatabase);
  for (const s of placed) {
    const reason = partialReason(s, placed, last, atomic, model, words);
    if (reason) Object.assign(s, { rerun: 'after-partial-apply', rerunReason: reason });
  }
  return placed;
}

function implicitReason(model: RunnerModel, words: RunnerWords, block: Block): string {
  const what = model.name === 'dbmate' ? 'the transaction:false section' : `the ${words.unit}`;
  const n = block.migrations.reduce((sum, m) => sum + m.up.statements.length, 0);
  return `runs inside an implicit transaction: ${model.name} sends ${what} as one string of ${n} statements, and PostgreSQL runs such a string as one transaction`;
}

/**
 * Whether the runner records the block in the same transaction as the block's last one, so that
 * the block's final work and its record commit together. For golang-migrate the version update
 * follows the file, but a dirty version whose file did commit is resolved with `migrate force N`,
 * which does not run the file again.
 */
function recordedAtomically(block: Block, model: RunnerModel, defaultDatabase: string | undefined): boolean {
  switch (model.name) {
    case 'golang-migrate':
      return true;
    case 'codd':
      return block.rule === 'in-txn' && block.migrations.every((m) => onDefaultConnection(m, defaultDatabase));
    default:
      return block.rule === 'in-txn';
  }
}

/** Why a statement's effect can outlive a failure of its migration, or undefined if it cannot. */
function partialReason(
  s: LintStatement,
  placed: LintStatement[],
  last: LintStatement | undefined,
  atomic: boolean,
  model: RunnerModel,
  words: RunnerWords,
): string | undefined {
  const withLast = last !== undefined && s.transaction === last.transaction;
  if (withLast && atomic) return undefined;
  if (s.block.rule === 'no-txn') {
    switch (model.name) {
      case 'codd':
        return `this -- codd: no-txn migration commits statement by statement and is recorded only after its last one: if the connection is lost before, ${words.again}`;
      case 'cigogne':
        return `this disable_transaction migration runs outside a transaction and is recorded afterwards, separately: if the process dies in between, ${words.again}`;
      case 'dbmate':
        return `this transaction:false migration is recorded after it ran, in a separate statement: if the process dies in between, ${words.again}`;
      case 'golang-migrate':
        return `x-multi-statement sends each piece on its own: if a later piece fails, ${words.again}`;
      default:
        return `it commits on its own and the migration is recorded only later: if the run stops in between, ${words.again}`;
    }
  }
  if (!withLast) {
    const commit = placed.find((o) => o.transaction === s.transaction && CLOSES.has(o.statement.detail?.transaction ?? ''));
    const by = commit ? `the ${commit.statement.sql.split(/\s/)[0]!.toUpperCase()} at line ${commit.statement.line} commits it` : 'it commits';
    return `${by} before the rest of the ${words.unit} runs: if a later statement fails, ${words.again}`;
  }
  switch (model.name) {
    case 'codd':
      return `this migration runs on another database (-- codd-connection) and codd records it only later, through the default connection: if it crashes in between, ${words.again}`;
    case 'dbmate':
      return `this transaction:false migration is recorded after it ran, in a separate statement: if the process dies in between, ${words.again}`;
    default:
      return `the migration is recorded after it ran, separately: if the process dies in between, ${words.again}`;
  }
}

/** codd's default database: the `database` option, else the one database the set creates. */
export function coddDefaultDatabase(set: MigrationSet, options: RunnerOptions, ast: (s: Statement) => Node | undefined): string | undefined {
  if (options.database) return options.database;
  const created = new Set<string>();
  for (const m of set.migrations) {
    for (const s of m.up.statements) {
      if (s.kind !== 'CreatedbStmt') continue;
      const name = as<{ dbname?: string }>(ast(s), 'CreatedbStmt')?.dbname;
      if (name) created.add(name);
    }
  }
  return created.size === 1 ? [...created][0] : undefined;
}

export function onDefaultConnection(migration: Migration, defaultDatabase: string | undefined): boolean {
  const database = migration.directives['connection-database'];
  return typeof database !== 'string' || database === defaultDatabase;
}


function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
