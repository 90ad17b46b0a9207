import type { Node } from 'libpg-query';
import type { Folder, Parsed } from '../migrations/folder.js';
import type { Env, InputError, Migration, MigrationSet, Statement } from '../migrations/types.js';
import type { Rule } from '../lint/types.js';
import type { Block, RunnerModel, RunnerOptions } from './types.js';

/**
 * Everything migtest knows of one real migration tool, in its folder `src/runners/<name>/`:
 * how it reads a folder, how it runs, how lint words it, the rules only its runs need, and where
 * its semantics are written down. `src/runners/registry.ts` lists the tools; see
 * docs/runners/README.md for adding one.
 */
export interface Tool<Name extends string = string> {
  /** The name of the runner model and of the folder format, as `--runner` takes it. */
  name: Name;
  /**
   * The format's parser: pure (no I/O: `readFolder` read the files, and the environment is passed
   * in), and it needs the SQL parser loaded (`await initParser()`).
   */
  parse(folder: Folder, env: Env): Parsed;
  /** How the tool runs a set. `model.name` and `model.format` are the tool's name. */
  model: RunnerModel;
  lint: ToolLint;
  /** Where the tool's semantics are written down, relative to the repository: `docs/runners/<name>.md`. */
  docs: string;
}

/** What lint needs to know of a tool beyond its plan. */
export interface ToolLint {
  words: RunnerWords;
  /** The rules only this tool's runs need; lint lists them after its transaction rules, in registry order. */
  rules: readonly Rule[];
  /** Refusals of the parser that one of the rules reports instead, so that lint can go on. */
  tolerated?: readonly Tolerated[];
  /**
   * Which blocks the tool records in the same transaction as the block's last statement, so that
   * the block's final work and its record commit together. Default: the `in-txn` blocks.
   */
  recordsWith?(set: MigrationSet, runnerOptions: RunnerOptions, ast: (statement: Statement) => Node | undefined): (block: Block) => boolean;
}

/** How lint words the transaction a tool opens, and where a statement goes to escape it. */
export interface RunnerWords {
  /** "… runs it inside <wrap>". */
  wrap: string;
  /** "a script": what the runner sends as one string. */
  unit: string;
  /** How to run a statement outside a transaction with this runner. */
  alone: string;
  /** How the runner applies a migration again after a partial apply. */
  again: string;
  /** What the tool sends as one string of several statements, when not "the <unit>". */
  script?: string;
  /** Why a statement of a `no-txn` block can run again after a partial apply, when the generic words do not fit. */
  noTxnRerun?: string;
  /** Why the last work of a block the tool records apart can run again, when the generic words do not fit. */
  recordedApart?: string;
}

/** A refusal of the tool's parser that lint reports through a rule of the tool instead of stopping. */
export interface Tolerated {
  /** Whether `error` is this refusal. */
  is(error: InputError): boolean;
  /** The file's text without what the parser refuses, every position kept. */
  neutralise(text: string): string;
  /** Puts back on the parsed migration what `neutralise` took out, for the rule to see (`original`: the file's text as read). */
  restore(migration: Migration, original: string): void;
}
