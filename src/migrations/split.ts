import { loadModule, parseSync, scanSync, type Node, type RawStmt, type RangeVar } from 'libpg-query';
import { TextIndex } from './text-index.js';
import { InputError, type Statement, type StatementDetail } from './types.js';

/** Where a script's text sits in its file (a section of a file starts below line 1). */
export interface ScriptPlace {
  file: string;
  /** 1-based line of the text's first character in the file; default 1. */
  startLine?: number;
  /** 1-based column of the text's first character in the file; default 1. */
  startColumn?: number;
}

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser's WebAssembly module; call once (more calls are free) before splitting. */
export async function initParser(): Promise<void> {
  loading ??= loadModule().then(
    () => {
      loaded = true;
    },
    (error: unknown) => {
      loading = undefined; // let a later call try again
      throw error;
    },
  );
  await loading;
}

/**
 * Splits a script into its top-level statements exactly as PostgreSQL delimits them, so `$$`
 * bodies, quoted `;` and comments never cut a statement. Throws InputError for text the server
 * would reject as syntax (including psql meta-commands).
 */
export function splitStatements(text: string, where: ScriptPlace): Statement[] {
  if (!loaded) throw new Error('splitStatements() needs the parser: await initParser() first');
  if (text.trim() === '') return []; // the parser refuses empty input; the server accepts it

  const index = new TextIndex(text);
  let raws: RawStmt[];
  try {
    raws = parseSync(text).stmts ?? [];
  } catch (error) {
    throw syntaxError(error, index, where);
  }
  const tokens = significantTokens(text);
  return raws.map((raw) => toStatement(raw, tokens, index, where));
}

interface ByteRange {
  start: number;
  end: number;
}

function toStatement(
  raw: RawStmt,
  tokens: ByteRange[] | undefined,
  index: TextIndex,
  where: ScriptPlace,
): Statement {
  const from = raw.stmt_location ?? 0;
  // The last statement has no length: it runs to the end of the text.
  const to = raw.stmt_len ? from + raw.stmt_len : index.byteLength;
  const bytes = tokens ? tokenSpan(tokens, from, to) : { start: from, end: to };
  let offset = index.fromByte(bytes.start);
  let end = index.fromByte(bytes.end);
  if (!tokens) {
    // Without the scanner only whitespace can be trimmed; comments stay in the text.
    while (offset < end && /\s/.test(index.text.charAt(offset))) offset++;
    while (end > offset && /\s/.test(index.text.charAt(end - 1))) end--;
  }
  const node = raw.stmt ?? ({} as Node);
  const kind = Object.keys(node)[0] ?? 'Unknown';
  const detail = statementDetail(node);
  return {
    ...filePosition(index, offset, where),
    sql: index.text.slice(offset, end),
    offset,
    length: end - offset,
    kind,
    ...(detail ? { detail } : {}),
  };
}

/**
 * The parser's ranges include comments before the next `;` and, for the last statement, the
 * rest of the text. Trimming to the first and last real token matters: text inserted at the end
 * of a statement that ends in a `--` comment would otherwise be commented out.
 */
function tokenSpan(tokens: ByteRange[], from: number, to: number): ByteRange {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((tokens[mid]?.start ?? 0) < from) lo = mid + 1;
    else hi = mid;
  }
  const first = tokens[lo];
  if (!first || first.start >= to) return { start: from, end: from };
  let last = first;
  for (let i = lo + 1; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token || token.end > to) break;
    last = token;
  }
  return { start: first.start, end: last.end };
}

/** Byte ranges of every token that is neither a comment nor a `;`, or undefined if unavailable. */
function significantTokens(text: string): ByteRange[] | undefined {
  try {
    return (scanSync(text).tokens ?? [])
      .filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT' && t.text !== ';')
      .map((t) => ({ start: t.start, end: t.end }));
  } catch {
    return undefined; // the text parsed, so the scanner failing is not the user's problem
  }
}

function statementDetail(node: Node): StatementDetail | undefined {
  if ('TransactionStmt' in node) {
    const kind = node.TransactionStmt.kind;
    return kind ? { transaction: kind.replace(/^TRANS_STMT_/, '') } : undefined;
  }
  if ('AlterTableStmt' in node) {
    const commands = (node.AlterTableStmt.cmds ?? []).flatMap((cmd) =>
      'AlterTableCmd' in cmd && cmd.AlterTableCmd.subtype ? [cmd.AlterTableCmd.subtype] : [],
    );
    const relation = relationOf(node.AlterTableStmt.relation);
    return { alterTableCommands: commands, ...(relation ? { relation } : {}) };
  }
  if ('InsertStmt' in node) {
    const relation = relationOf(node.InsertStmt.relation);
    return { onConflict: node.InsertStmt.onConflictClause !== undefined, ...(relation ? { relation } : {}) };
  }
  for (const key of ['UpdateStmt', 'DeleteStmt', 'CreateStmt', 'IndexStmt'] as const) {
    if (key in node) {
      const relation = relationOf((node as Record<string, { relation?: RangeVar }>)[key]!.relation);
      return relation ? { relation } : undefined;
    }
  }
  return undefined;
}

function relationOf(range: RangeVar | undefined): StatementDetail['relation'] {
  if (!range?.relname) return undefined;
  return { name: range.relname, ...(range.schemaname ? { schema: range.schemaname } : {}) };
}

/** The file position of a code-unit offset in the script text. */
function filePosition(
  index: TextIndex,
  offset: number,
  where: ScriptPlace,
): { file: string; line: number; column: number } {
  const startLine = where.startLine ?? 1;
  const startColumn = where.startColumn ?? 1;
  const { line, column } = index.position(offset);
  return {
    file: where.file,
    line: startLine + line - 1,
    // Only the script's first line is shifted: later lines start at the file's column 1.
    column: line === 1 ? startColumn + column - 1 : column,
  };
}

function syntaxError(error: unknown, index: TextIndex, where: ScriptPlace): unknown {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } })
    .sqlDetails;
  if (!details || typeof details.cursorPosition !== 'number') return error;
  const offset = index.fromCodePoint(details.cursorPosition);
  const { file, line, column } = filePosition(index, offset, where);
  const rest = index.text.slice(offset);

  if (rest.startsWith('\\')) {
    const command = /^[^\r\n]*/.exec(rest)?.[0].trimEnd() ?? '\\';
    const name = /^\\([A-Za-z]+|\S)?/.exec(command)?.[0] ?? '\\';
    return new InputError(
      `"${command}" is a psql meta-command, not SQL: psql handles it itself, and the ` +
        'PostgreSQL server that receives this file does not understand it ' +
        `(syntax error at or near "\\")`,
      file,
      line,
      column,
      metaCommandFix(name),
    );
  }
  if (rest.startsWith('\uFEFF')) {
    return new InputError(
      `the file starts with a UTF-8 byte order mark, which the server receives as text ` +
        `and rejects (${details.message ?? 'syntax error'})`,
      file,
      line,
      column,
      'save the file as UTF-8 without a byte order mark',
    );
  }
  return new InputError(`${details.message ?? 'syntax error'}`, file, line, column);
}

function metaCommandFix(name: string): string {
  const common =
    'remove the line: migtest and the runner send the SQL to the server directly, not through psql';
  switch (name) {
    case '\\set':
    case '\\unset':
      return `${common} (the server already stops a script at its first error)`;
    case '\\i':
    case '\\ir':
    case '\\include':
    case '\\include_relative':
      return `${common}; put the included SQL into the migration itself`;
    case '\\copy':
      return `${common}; load data with INSERT … VALUES or COPY … FROM a server-side file`;
    default:
      return common;
  }
}
