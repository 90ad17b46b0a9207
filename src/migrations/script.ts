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
    throw new InputError(
      `cannot read the migration file (${source.unreadable ?? 'unknown error'})`,
      file,
      undefined,
      undefined,
      'check that the file exists and is readable',
    );
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
  return { text, checksum: createHash('sha256').update(bytes).digest('hex') };
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
