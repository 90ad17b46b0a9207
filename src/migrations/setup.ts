import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { clusterChanges } from './cluster.js';
import { toScript } from './script.js';
import { InputError, type Statement } from './types.js';

/*
 * The user's own SQL files beside a set: `--setup` files (the environment the set expects before
 * its first migration: roles, schemas, extensions) and `--verify` files (what must hold on every
 * state a check reaches). Both are read and split with the real parser before any server starts,
 * so a missing file or a syntax error is exit 2 with its place, never a finding.
 */

/** One SQL file given with --setup or --verify: absolute path, its statements in order. */
export interface SqlFile {
  file: string;
  statements: Statement[];
}

/** Reads and splits each file; `option` names the flag in messages (`--setup`, `--verify`). */
export function readSqlFiles(files: readonly string[], option: '--setup' | '--verify'): SqlFile[] {
  return files.map((given) => {
    const file = resolve(given);
    let text: string;
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      text = readFileSync(file, 'utf8');
    } catch {
      throw new InputError(`${option} ${given}: no such file`, undefined, undefined, undefined, `give ${option} the path of a .sql file (in a config file: relative to the config file)`);
    }
    const statements = toScript(text, file).statements;
    if (option === '--verify') refuseTransactionControl(file, statements);
    return { file, statements };
  });
}

/** Verify statements run inside one transaction migtest rolls back: one of their own would end it. */
function refuseTransactionControl(file: string, statements: Statement[]): void {
  const control = statements.find((s) => s.kind === 'TransactionStmt');
  if (!control) return;
  throw new InputError(
    'a --verify file runs inside a transaction that migtest rolls back, so that verifying never changes the state it looks at: it cannot hold BEGIN, COMMIT or ROLLBACK',
    file,
    control.line,
    control.column,
    'leave the transaction statements out of the verify file',
  );
}

/**
 * With --provider url, setup runs on the scratch base database migtest makes on the user's
 * server: a schema or an extension there is migtest's, but a role or a server setting belongs to
 * the whole server. Those are refused, as the set's own are (src/postgres/url-guard.ts).
 */
export function refuseClusterSetup(setup: readonly SqlFile[]): void {
  for (const { statements } of setup) {
    const change = clusterChanges(statements)[0];
    if (!change) continue;
    const text = change.sql.trim().replace(/\s+/g, ' ');
    const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
    throw new InputError(
      `${change.what} in a --setup file changes the server outside migtest's scratch databases (${shown}), and --provider url runs on a server that is not migtest's: refused before the run starts`,
      change.statement.file,
      change.line,
      change.column,
      'create roles and server settings on that server yourself, once, and leave them out of --setup; or run with --provider embedded (the default) or container',
    );
  }
}
