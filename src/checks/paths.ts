/*
 * Paths in the core are absolute: how a path is shown depends on where the reader is (the current
 * directory, a CI workspace), which only the reporter knows (src/report/paths.ts). A path inside a
 * text (a message, a hint, a reproduce command) is written as a marker that the reporter renders:
 * NUL, a kind letter, the absolute path, NUL. NUL is in no path, no SQL text and no server message
 * (PostgreSQL refuses it in all three), so a marker cannot be confused with text around it.
 */

/** A path inside a text, shown as a person types it. */
export function pathIn(file: string): string {
  return `\0p${file}\0`;
}

/** A path as a shell command's argument: shown as a person types it, `./` before a leading `-`, quoted if needed. */
export function argumentIn(file: string): string {
  return `\0a${file}\0`;
}

/** The markers of pathIn (`p`) and argumentIn (`a`): the kind, then the path. */
// eslint-disable-next-line no-control-regex
export const PATH_MARK = /\0([pa])([^\0]*)\0/g;

/** A word of a POSIX shell command: as it is when it needs no quoting, else in single quotes. */
export function shellWord(arg: string): string {
  return /^[\w./@:,=+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
