import { parseSync } from 'libpg-query';
import { InputError, type Statement } from '../../migrations/types.js';

/**
 * codd supports one form of COPY: `COPY table [(columns)] FROM STDIN …` with its data inline
 * (docs/SQL-MIGRATIONS.md, "Unsupported SQL inside migrations": "COPY FROM STDIN is supported but
 * other forms of COPY are not"). Its parser recognises that form by its words (`COPY`, a name, an
 * optional column list, `FROM`, `STDIN`) and streams the data through libpq's copy-in calls; any
 * other COPY is sent as an ordinary statement, whose result status is then neither "command ok"
 * nor "tuples ok" (`TO STDOUT` answers COPY_OUT, `FROM STDOUT` COPY_IN) or whose file lives on
 * the database server rather than beside the migration (`FROM '/file'`, `FROM PROGRAM`). codd
 * applies a migration when it adds it, so such a migration never gets into a codd set: migtest
 * refuses it when it loads the set, at the statement.
 */
export function refuseUnsupportedCopy(statement: Statement): void {
  if (statement.kind !== 'CopyStmt') return;
  const problem = copyProblem(statement.sql);
  if (problem === undefined) return;
  throw new InputError(problem.message, statement.file, statement.line, statement.column, problem.fix);
}

interface CopyNode {
  relation?: unknown;
  query?: unknown;
  is_from?: boolean;
  is_program?: boolean;
  filename?: string;
}

function copyProblem(sql: string): { message: string; fix: string } | undefined {
  let copy: CopyNode | undefined;
  try {
    const node = parseSync(sql).stmts?.[0]?.stmt as { CopyStmt?: CopyNode } | undefined;
    copy = node?.CopyStmt;
  } catch {
    return undefined; // the set's parser has already read it; nothing to add here
  }
  if (!copy) return undefined;
  const only = 'codd supports COPY … FROM STDIN with the data inline, and no other form of COPY';
  const insert = 'write the rows as INSERT statements (or as COPY … FROM STDIN with the data on the lines after it, ended by a line \\.)';
  if (copy.is_program === true) {
    return {
      message: `COPY … ${copy.is_from ? 'FROM' : 'TO'} PROGRAM runs a program on the database server: ${only}`,
      fix: copy.is_from ? insert : 'remove the statement: a migration has nowhere to send what COPY … TO writes',
    };
  }
  if (copy.filename !== undefined) {
    return copy.is_from
      ? {
          message: `COPY … FROM '${copy.filename}' reads a file on the database server, not beside the migration: ${only}`,
          fix: insert,
        }
      : {
          message: `COPY … TO '${copy.filename}' writes a file on the database server: ${only}`,
          fix: 'remove the statement: a migration should change the database, not write files on its server',
        };
  }
  if (copy.is_from !== true) {
    return {
      message: `COPY … TO STDOUT sends rows to the client, which codd does not read (it expects a command's or a query's result, and fails on COPY_OUT): ${only}`,
      fix: 'remove the statement, or use SELECT if the migration only needs to look at the rows',
    };
  }
  if (copy.relation === undefined || !/\bfrom\s+stdin\b/i.test(sql)) {
    // `COPY t FROM STDOUT` is STDIN to the server, but codd's parser looks for the word STDIN.
    return {
      message: `codd recognises COPY … FROM STDIN by the words "COPY <table> [(columns)] FROM STDIN"; this COPY is not written so, and codd would send it as an ordinary statement and fail on COPY_IN: ${only}`,
      fix: 'write it as COPY <table> [(columns)] FROM STDIN …; with the data on the lines after it, ended by a line \\.',
    };
  }
  return undefined;
}
