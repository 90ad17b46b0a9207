import type { Node } from 'libpg-query';
import type { Migration, MigrationSet, Statement } from '../migrations/types.js';
import type { Plan, RunnerModel, RunnerOptions } from '../runners/types.js';
import type { SchemaModel } from './schema/model.js';
import type { LintStatement } from './statement.js';

// Defined in a leaf module, which the schema model (itself part of LintContext) can import.
export type { LintStatement, Rerun } from './statement.js';

/**
 * What a rule is about:
 * - `re-run`: the statement breaks, or changes the state again, when it runs a second time;
 * - `transaction`: the transaction the runner puts the statement in makes it fail or split;
 * - `runner`: a directive or option of the runner that does not do what it seems to;
 * - `data`: the statement fails on a table that has rows, which a fresh database never has;
 * - `psql`: text that only psql understands;
 * - `suppression`: an ignore comment that ignores nothing.
 */
export type RuleCategory = 're-run' | 'transaction' | 'data' | 'runner' | 'psql' | 'suppression';

/** Everything a rule may look at: the set, the plan, and what was derived from them once. */
export interface LintContext {
  set: MigrationSet;
  model: RunnerModel;
  plan: Plan;
  runnerOptions: RunnerOptions;
  /** Every statement of the set in plan order (the parser's statements, not a runner's pieces). */
  statements: LintStatement[];
  /** The statements of one migration, in order. */
  statementsOf(migration: Migration): LintStatement[];
  /** The statement's parse tree (parsed once, on first use), or undefined if it has none. */
  ast(statement: Statement): Node | undefined;
  /** What the set's statements make of the schema, as each run finds it before each statement. */
  schema: SchemaModel;
}

/** A place that is not a whole statement (a psql meta-command, a comment). */
export interface TextPlace {
  file: string;
  line: number;
  column: number;
  endLine?: number;
  text?: string;
}

/** What a rule reports; the engine adds the rule id, the location and the JSON shape. */
export interface Problem {
  at: LintStatement | TextPlace;
  /** Why the statement breaks, without the rule id (the engine prefixes it). */
  message: string;
  /** The fix. */
  hint: string;
  /** The SQLSTATE execution will show, when the rule knows it. */
  sqlstate?: string;
  /** Where execution shows the problem when that is another statement (1-based line in `file`). */
  effect?: { file: string; line: number };
  /**
   * A statement inside `at` (a DO block's): its place and text are the finding's, while `at` keeps
   * deciding the plan order and which ignore comments apply.
   */
  inner?: { line: number; column: number; sql: string };
}

export interface Rule {
  id: string;
  category: RuleCategory;
  /** One line: what the rule catches. */
  summary: string;
  /** The closest squawk rule, or "none". */
  squawk: string;
  /** The closest Atlas analyzer, or "none". */
  atlas: string;
  /** Statement kinds (`Statement.kind`) the statement hook looks at; the engine skips the others. */
  kinds?: readonly string[];
  /** Looks at one statement. */
  statement?(target: LintStatement, context: LintContext): Problem | Problem[] | undefined;
  /** Looks at one migration as a whole. */
  migration?(migration: Migration, context: LintContext): Problem[];
}
