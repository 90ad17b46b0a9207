import { createHash } from 'node:crypto';
import type { FolderFile } from './folder.js';
import { splitStatements } from './split.js';
import { InputError, type Script } from './types.js';

/** A migration file's text and the checksum of its bytes. */
export interface MigrationFile {
  text: string;
  checksum: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A migration file's text, from the bytes `readFolder` read. The text keeps a byte order mark,
 * since runners send it to the server as it is; invalid UTF-8 is refused here because the server
 * would refuse it anyway (22021), and a replaced character would make positions and checksums
 * disagree with the file.
 */
export function migrationFile(source: FolderFile): MigrationFile {
  const file = source.path;
  const bytes = source.bytes;
  if (bytes === undefined) {
    throw new InputError(source.unreadable ?? 'cannot read the migration file', file, undefined, undefined, source.fix ?? 'check that the file exists and is readable');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InputError(
      `the file is not valid UTF-8`,
      file,
      undefined,
      undefined,
      'save the file as UTF-8',
    );
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    // The server reads SQL text as a C string: it would answer 08P01 (invalid message format), at
    // the statement's start, for a NUL anywhere in it. The file's own place says more.
    const { line, column } = placeOf(text, nul);
    throw new InputError(
      'a NUL byte (0x00) in the file: PostgreSQL cannot receive one in SQL text, so the tool would fail here',
      file,
      line,
      column,
      'remove the NUL byte (an editor or a bad copy put it there); data that needs it goes in a bytea literal such as \'\\x00\'::bytea',
    );
  }
  return { text, checksum: createHash('sha256').update(bytes).digest('hex') };
}

function placeOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/**
 * A down section's script: a text that does not parse keeps its error in `invalid`, with no
 * statements, instead of refusing the whole set (only check `down` runs it, and reports it).
 */
export function downScript(text: string, file: string, startLine = 1, startColumn = 1, explain: (error: InputError) => InputError = (e) => e): Script {
  try {
    return toScript(text, file, startLine, startColumn);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { text, file, startLine, startColumn, statements: [], invalid: explain(error) };
  }
}

/** A script over `text`, which starts at `startLine`:`startColumn` of `file`. */
export function toScript(text: string, file: string, startLine = 1, startColumn = 1): Script {
  return {
    text,
    file,
    startLine,
    startColumn,
    statements: splitStatements(text, { file, startLine, startColumn }),
  };
}
