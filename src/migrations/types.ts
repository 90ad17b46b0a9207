/** A place in a migration file. `file` is absolute; `line` and `column` are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** One top-level SQL statement of a script, as the PostgreSQL parser delimits it. */
export interface Statement extends SourcePosition {
  /** The statement's text, without the terminating semicolon. */
  sql: string;
  /** Offset of the statement's first character in the script text (in characters, not bytes). */
  offset: number;
  /** Length in characters of `sql`. */
  length: number;
  /** The parser's node name, e.g. `AlterTableStmt`, `InsertStmt`, `TransactionStmt`. */
  kind: string;
  /** Details that rules and runners use without re-parsing (e.g. transaction kind, subtype). */
  detail?: StatementDetail;
  /**
   * For `COPY … FROM STDIN` with inline data (a format that allows it): the data lines that follow the statement,
   * each with its line end, up to but not including the `\.` line. The parser never sees them;
   * a runner sends them through the copy protocol.
   */
  copyData?: string;
}

export interface StatementDetail {
  /** For TransactionStmt: BEGIN, COMMIT, ROLLBACK, … (the parser's TRANS_STMT_* without prefix). */
  transaction?: string;
  /** For AlterTableStmt: the sub-command kinds (AT_AddConstraint, …). */
  alterTableCommands?: string[];
  /** The table a DML or DDL statement targets (INSERT INTO, UPDATE, DELETE, ALTER TABLE, CREATE TABLE, CREATE INDEX). */
  relation?: { schema?: string; name: string };
  /** For InsertStmt: whether it has an ON CONFLICT clause. */
  onConflict?: boolean;
}

/** The text that a runner sends for one direction of a migration, with its statements. */
export interface Script {
  /** The text exactly as the runner would send it. */
  text: string;
  file: string;
  /** 1-based line in `file` at which `text` begins (a section of a file starts below line 1). */
  startLine: number;
  /** 1-based column in `file` at which `text` begins. */
  startColumn: number;
  statements: Statement[];
  /** The `${VAR}` replacements in `text`, in order: the places where the text sent differs from the file. */
  substitutions?: Substitution[];
  /**
   * For a down section: the error that kept it from parsing (its statements are then empty). Only
   * check `down` runs downs, so a broken one is that check's finding, never a reason to refuse the set.
   */
  invalid?: InputError;
}

/** A value put in place of a `${VAR}` of the file: `length` code units of the text at `at`. */
export interface Substitution {
  at: number;
  length: number;
  /** Length of the `${VAR}` it replaced in the file. */
  originalLength: number;
}

export type DirectiveValue = string | boolean | string[];

export interface Migration {
  /** Unique in its set: the version for versioned formats, the file name otherwise. */
  id: string;
  /** Human name (file name without extension for the simple formats). */
  name: string;
  /** The key the set is sorted by. */
  orderKey: string;
  /** Absolute path of the file the migration comes from. */
  file: string;
  up: Script;
  down?: Script;
  /** Format-specific directives (`no-txn`, `transaction:false`, …). */
  directives: Record<string, DirectiveValue>;
  /** sha256 hex of the file's bytes. */
  checksum: string;
}

/** Environment variables, as a format may read them (`${VAR}` substitution); passed in, never read from the process below the edge. */
export type Env = Record<string, string | undefined>;

export interface MigrationSet {
  /** Absolute path of the set's folder. */
  dir: string;
  /** The tool whose folder format it was read as (see src/runners/registry.ts). */
  format: string;
  migrations: Migration[];
}

/** Bad input: always reported with the file and line, exit code 2, no stack trace. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
