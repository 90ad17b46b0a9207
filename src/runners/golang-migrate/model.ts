import type pg from 'pg';
import { RUN_LOCK } from './lock.js';
import { splitStatements } from '../../migrations/split.js';
import { TextIndex } from '../../migrations/text-index.js';
import { InputError, type Migration, type MigrationSet, type Statement } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { faultsIn, type Faults } from '../../faults/inject.js';
import { runInTxn, runNoTxn, runScript, runScriptInTxn, toPgError } from '../execute.js';
import { CREATE_TRACKER, dirtyVersionStop, operatorAction, readVersion, SELECT_VERSION, setVersion, TRACKER_SPEC, writeVersion } from './version.js';
import { quiet, runBlocks, runWithRetries } from '../sequence.js';
import type { Block, BlockTrace, Plan, RunOptions, RunnerModel, RunnerOptions, Trace, TxnRule } from '../types.js';

const OPTIONS: Record<string, string> = {
  'multi-statement':
    "true: the URL's x-multi-statement=true: each file is cut at every ';' (inside $$ bodies and quotes too) and the pieces are sent one by one, each autocommitted; default false",
  transactions:
    'true: the TransactionsEnabled proposal (golang-migrate #196, #641): each file and its version update in one transaction, with no dirty flag; default false',
};

/** The note a finding carries when the naive split cut a dollar-quoted body. */
export const DOLLAR_QUOTE_SPLIT_NOTE =
  "golang-migrate's multi-statement mode splits on every `;`, also inside $$ bodies (golang-migrate #590, #698): keep the function in a file run without x-multi-statement, or write its body without `;` (e.g. a single SQL expression)";

/** The note a finding carries when the naive split cut a quoted string or a comment. */
const QUOTE_SPLIT_NOTE =
  "golang-migrate's multi-statement mode splits on every `;`, also inside quoted strings and comments: remove the `;` from the string or comment, or run the file without x-multi-statement";

export interface Settings {
  multiStatement: boolean;
  transactions: boolean;
}

/** golang-migrate's plan: its blocks, and the options its runs follow. */
export interface GolangMigratePlan extends Plan {
  settings: Settings;
}

/** strconv.ParseBool, which golang-migrate uses for its URL options. */
function parseBool(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new InputError(`runner option ${name}=${value} is not a boolean`, undefined, undefined, undefined, `write ${name}=true or ${name}=false`);
}

function settingsOf(options: RunnerOptions = {}): Settings {
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(OPTIONS, name)) {
      throw new InputError(
        `unknown runner option '${name}' for golang-migrate`,
        undefined,
        undefined,
        undefined,
        `the golang-migrate runner model accepts: ${Object.keys(OPTIONS).map((n) => `${n}=true`).join(', ')}`,
      );
    }
  }
  return { multiStatement: parseBool('multi-statement', options['multi-statement']), transactions: parseBool('transactions', options['transactions']) };
}

/** A piece of a file as golang-migrate's multistmt.Parse cuts it: up to and including a `;`. */
export interface NaivePiece {
  text: string;
  /** Offset of the piece in the file's text. */
  offset: number;
}

/** multistmt.Parse with the `;` delimiter: bytes.Index, no regard for quotes, comments or $$. */
export function naiveSplit(text: string): NaivePiece[] {
  const pieces: NaivePiece[] = [];
  let start = 0;
  for (let i = text.indexOf(';'); i >= 0; i = text.indexOf(';', start)) {
    pieces.push({ text: text.slice(start, i + 1), offset: start });
    start = i + 1;
  }
  if (start < text.length) pieces.push({ text: text.slice(start), offset: start });
  return pieces;
}

type OpenConstruct = 'dollar-quote' | 'string' | 'quoted-identifier' | 'comment' | 'line-comment';

/** What a piece of SQL leaves open at its end, by PostgreSQL's lexical rules (enough of them). */
export function openAtEnd(sql: string): OpenConstruct | undefined {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      if (end < 0) return 'line-comment';
      i = end + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return 'comment';
    } else if (c === "'") {
      // E'…' strings take backslash escapes; '' is a quote in every string.
      const escapes = /[eE]$/.test(sql.slice(0, i)) && !/[\w$]/.test(sql[i - 2] ?? '');
      i++;
      for (;;) {
        if (i >= sql.length) return 'string';
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return 'quoted-identifier';
      i = end + 1;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i))?.[0];
      if (!tag) {
        i++;
        continue;
      }
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) return 'dollar-quote';
      i = end + tag.length;
    } else i++;
  }
  return undefined;
}

/**
 * Whether golang-migrate's naive split cut this piece inside a `$$` (or `$tag$`) body: the
 * piece opens a dollar quote that it does not close, so the server answers 42601 "unterminated
 * dollar-quoted string".
 */
export function naiveSplitBrokeDollarQuote(piece: string): boolean {
  return openAtEnd(piece) === 'dollar-quote';
}

/** Where a statement of a multi-statement block comes from: its raw piece, in its file's text. */
export interface PieceOrigin {
  piece: NaivePiece;
  source: string;
}

const origins = new WeakMap<Statement, PieceOrigin>();

/** The tool sends the raw piece, comments and `;` included. */
export const sendPiece = (client: pg.Client, statement: Statement): Promise<unknown> => client.query(origins.get(statement)?.piece.text ?? statement.sql);

/**
 * The statements golang-migrate sends for a file in multi-statement mode: one per piece that is
 * not blank. A piece that is not valid SQL (a cut $$ body) is kept as it is, at its first token.
 */
export function naiveStatements(migration: Migration): Statement[] {
  const { text, file, startLine, startColumn } = migration.up;
  const index = new TextIndex(text);
  const place = (offset: number): { line: number; column: number } => {
    const { line, column } = index.position(offset);
    return { line: startLine + line - 1, column: line === 1 ? startColumn + column - 1 : column };
  };
  const statements: Statement[] = [];
  for (const piece of naiveSplit(text)) {
    if (piece.text.trim() === '') continue; // runStatement skips blank pieces
    let statement: Statement | undefined;
    try {
      const at = place(piece.offset);
      const parsed = splitStatements(piece.text, { file, startLine: at.line, startColumn: at.column });
      if (parsed.length === 0) continue; // only comments: the server answers with an empty query
      statement = { ...parsed[0]!, offset: piece.offset + parsed[0]!.offset };
    } catch {
      statement = brokenPiece(piece, file, place);
    }
    origins.set(statement, { piece, source: text });
    statements.push(statement);
  }
  return statements;
}

function brokenPiece(piece: NaivePiece, file: string, place: (offset: number) => { line: number; column: number }): Statement {
  const first = firstToken(piece.text);
  // The `;` that ends a piece is the tool's delimiter, left out as for any statement.
  const sql = piece.text.slice(first).trimEnd().replace(/;$/, '').trimEnd();
  return {
    file,
    ...place(piece.offset + first),
    sql,
    offset: piece.offset + first,
    length: sql.length,
    kind: 'Unknown',
  };
}

/** Offset of the first character that is neither blank nor in a comment. */
function firstToken(sql: string): number {
  let i = 0;
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i]!)) i++;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      if (end < 0) return i;
      i = end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return i;
      i = end + 2;
    } else return i;
  }
}

/**
 * A file of one statement is autocommitted as a statement on its own would be, so its block is
 * `no-txn`: a fault then falls between the file and the version update (golang-migrate #325),
 * and a statement such as CREATE INDEX CONCURRENTLY stays alone in its string, as the tool sends it.
 */
function blocksOf(set: MigrationSet, settings: Settings): Block[] {
  return set.migrations.map((migration, index) => {
    const statements = settings.multiStatement ? naiveStatements(migration) : migration.up.statements;
    const block: Block = {
      index,
      rule: fileRule(settings, statements),
      migrations: [migration],
      statements,
    };
    if (!settings.multiStatement) block.text = migration.up.text;
    return block;
  });
}

/** How a file (up or down) is sent under `settings`, as the statements it is sent as. */
export function fileRule(settings: Settings, statements: readonly Statement[]): TxnRule {
  return settings.transactions ? 'in-txn' : settings.multiStatement || statements.length === 1 ? 'no-txn' : 'script';
}

/**
 * What the naive split cut through around a piece: the `;` that ends it or the one before it
 * may sit inside a $$ body, a string or a comment, which PostgreSQL's lexer would have kept whole.
 */
export function cutThrough(origin: PieceOrigin): OpenConstruct | undefined {
  const { piece, source } = origin;
  const end = piece.text.endsWith(';') ? openAtEnd(source.slice(0, piece.offset + piece.text.length - 1)) : undefined;
  const start = piece.offset > 0 ? openAtEnd(source.slice(0, piece.offset - 1)) : undefined;
  return end === 'dollar-quote' || start === 'dollar-quote' ? 'dollar-quote' : (end ?? start);
}

/** A syntax error in a piece that the naive split cut says so. */
export function explainCut(trace: BlockTrace): BlockTrace {
  if (trace.error?.sqlstate !== '42601') return trace;
  const failed = trace.outcomes.find((o) => o.status === 'error');
  const origin = failed ? origins.get(failed.statement) : undefined;
  const cut = origin ? cutThrough(origin) : undefined;
  if (cut === 'dollar-quote') trace.error.hint = DOLLAR_QUOTE_SPLIT_NOTE;
  else if (cut) trace.error.hint = QUOTE_SPLIT_NOTE;
  return trace;
}

/**
 * One file as migrate.Up and migrate.Down apply it, towards `version` (the file's own going up, the
 * one before going down): SetVersion(version, dirty) committed first, then the file, then
 * SetVersion(version, clean). Under `transactions` the file and the version update share one
 * transaction instead, and no dirty flag is written.
 */
export async function runVersionFile(client: pg.Client, block: Block, settings: Settings, version: bigint, fault?: Faults): Promise<BlockTrace> {
  if (settings.transactions) {
    const beforeCommit = (c: pg.Client): Promise<void> => writeVersion(c, version, false);
    const trace = settings.multiStatement
      ? await runInTxn(client, block, fault, { beforeCommit, send: sendPiece })
      : await runScriptInTxn(client, block, fault, { beforeCommit });
    return explainCut(trace);
  }
  await setVersion(client, version, true);
  const trace = settings.multiStatement
    ? await runNoTxn(client, block, fault, sendPiece)
    : block.rule === 'no-txn'
      ? await runNoTxn(client, block, fault, (c) => c.query(block.text!))
      : await runFile(client, block, fault);
  if (trace.error) return explainCut(trace);
  try {
    await setVersion(client, version, false);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}

/** runStatement sends nothing for a blank file (or a version without an up file). */
async function runFile(client: pg.Client, block: Block, fault?: Faults): Promise<BlockTrace> {
  if ((fault === undefined || (Array.isArray(fault) && fault.length === 0)) && (block.text ?? '').trim() === '') return { block, outcomes: [], durable: 0 };
  return runScript(client, block, fault);
}

/**
 * golang-migrate (postgres driver, lib/pq) `migrate up`: versions above the recorded one in
 * numeric order; each file sent as one simple-query string (one implicit transaction), or cut
 * naively at every `;` with x-multi-statement; `schema_migrations(version, dirty)` holds one row,
 * and a dirty row makes every later run refuse until `migrate force`.
 */
export const golangMigrate: RunnerModel<GolangMigratePlan> = {
  name: 'golang-migrate',
  format: 'golang-migrate',
  summary: 'golang-migrate: each file as one string between SetVersion(v, dirty) and SetVersion(v, clean); a dirty version refuses every later run',
  tracker: TRACKER_SPEC,
  options: OPTIONS,
  lock: RUN_LOCK,

  plan(set: MigrationSet, options: RunnerOptions = {}): GolangMigratePlan {
    const settings = settingsOf(options);
    return { runner: 'golang-migrate', set, blocks: blocksOf(set, settings), settings };
  },

  run(plan: GolangMigratePlan, db: DatabaseHandle, options: RunOptions = {}): Promise<Trace> {
    // golang-migrate has no retries: a policy is a supervisor running `migrate up` again, which a
    // dirty version makes refuse.
    return runWithRetries(options, (once) => runOnce(db, plan, plan.settings, once));
  },

  async inherentStop(plan: GolangMigratePlan, db: DatabaseHandle, trace: Trace) {
    if (!trace.refusal) return undefined;
    const row = await readVersion(db);
    if (!row?.dirty) return undefined;
    return dirtyVersionStop(plan.blocks, BigInt(row.version));
  },

};

/** One `migrate up`: the versions above the recorded one, unless the recorded one is dirty. */
async function runOnce(db: DatabaseHandle, plan: Plan, settings: Settings, options: RunOptions): Promise<Trace> {
  const client = quiet(await db.connect());
  try {
    await client.query(CREATE_TRACKER);
    const row = (await client.query<{ version: string; dirty: boolean }>(SELECT_VERSION)).rows[0];
    if (row?.dirty) {
      return {
        blocks: [],
        ok: false,
        refusal: { message: `Dirty database version ${row.version}. Fix and force version.`, operatorAction: operatorAction(plan.blocks, row.version) },
      };
    }
    const current = row ? BigInt(row.version) : -1n;
    const pending = plan.blocks.filter((block) => BigInt(block.migrations[0]!.id) > current);
    return await runBlocks(db, pending, options, (c, block) => runVersionFile(c, block, settings, BigInt(block.migrations[0]!.id), faultsIn(options.faults, block.index)), client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
