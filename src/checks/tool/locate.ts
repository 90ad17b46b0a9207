import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/*
 * A real tool sends text the proxy sees, not files: a finding names the statement by that text,
 * and by its file and line where the text (or its first line) is found in the set's files.
 */

export interface SetFile {
  /** Absolute. */
  file: string;
  text: string;
}

export interface Located {
  file: string;
  line: number;
  column: number;
}

/** Files larger than this are data, not migrations: not searched. */
const LARGEST = 2 * 1024 * 1024;
const SKIPPED = new Set(['node_modules', '.git']);

/** Every readable text file under the set's folder, in name order. */
export function readSetFiles(dir: string): SetFile[] {
  const found: SetFile[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) walk(full);
      } else if (entry.isFile() && statSync(full).size <= LARGEST) {
        const text = readFileSync(full, 'utf8');
        if (!text.includes('\0')) found.push({ file: full, text });
      }
    }
  };
  walk(dir);
  return found;
}

/**
 * Where `statement` is in the files: the whole text first (a file sent whole, a statement sent as
 * written), else its first line of substance (a tool that reformats, or adds to, what the file says).
 * `offset`: a place inside the text (a statement of a multi-statement string), found with the whole
 * text only. Pure.
 */
export function locate(files: readonly SetFile[], statement: string, offset = 0): Located | undefined {
  const whole = statement.trim();
  if (whole.length === 0) return undefined;
  const lead = statement.length - statement.trimStart().length;
  // A tool may end a statement it builds from a file's string with a semicolon the file does not have.
  const bare = whole.replace(/;$/, '').trimEnd();
  for (const needle of bare !== whole ? [whole, bare] : [whole]) {
    for (const { file, text } of files) {
      const at = text.indexOf(needle);
      if (at >= 0) return { file, ...position(text, at + Math.max(0, offset - lead)) };
    }
  }
  if (offset > 0) return undefined;
  const first = whole
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length >= 8 && !l.startsWith('--'));
  if (!first || first === whole) return undefined;
  for (const { file, text } of files) {
    const at = text.indexOf(first);
    if (at >= 0) return { file, ...position(text, at) };
  }
  return undefined;
}

function position(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - (before.lastIndexOf('\n') + 1) + 1 };
}
