import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunRequest } from '../../src/run.js';
import { lintReproduce, reproduceCommand } from '../../src/reproduce.js';
import { snapshotCommand } from '../../src/checks/expected.js';
import { escapeSegment, objectFile, objectPathOf, unescapeSegment } from '../../src/snapshot/files.js';
import { escapeData, escapeProperty } from '../../src/report/github.js';
import { displayText } from '../../src/report/paths.js';

/*
 * Names that leave migtest in a command line, a file name or an annotation: a reproduce command
 * gives back, through a POSIX shell, exactly the arguments it was made of (a folder named with
 * quotes, `$`, backquotes, newlines or a leading dash included); an expected-schema file name is
 * safe on every file system and gives its object path back; a GitHub annotation property gives
 * its text back.
 */

/** Text with what shells, file systems and annotations treat specially, and non-ASCII. */
const awkward = fc
  .array(
    fc.oneof(
      fc.constantFrom("'", '"', ' ', '$', '`', '\\', '\n', '\r', '\t', '-', '--', '!', '*', '?', '~', '#', ';', '&', '|', '(', ')', '{', '}', '=', '%', ':', ',', '$(id)', '${HOME}', 'é', '🙂'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  // NUL cannot be in an argument; \x01 marks the end of a command's output below.
  .map((parts) => parts.join('').replaceAll('\0', '').replaceAll('\x01', ''));

/** A folder name: awkward, but a name (no `/`), and none of the names that mean another folder. */
const folderName = fc
  .oneof(awkward.map((s) => s.replaceAll('/', '_')), fc.constantFrom('-odd', '--help', '-'))
  .filter((s) => s !== '' && s !== '.' && s !== '..');

const VARIABLES = ['APP_ROLE', 'PGDATABASE', 'X1'];

/**
 * One POSIX shell for every command (a process per case is slow on a busy machine): each command
 * runs in a subshell with only the variables given, and `npx` prints its arguments, NUL-separated.
 */
class Shell {
  #child!: ChildProcessWithoutNullStreams;
  #out = '';
  #waiting: ((out: string) => void) | undefined;

  constructor() {
    this.#start();
  }

  #start(): void {
    this.#out = '';
    this.#child = spawn('sh', [], { env: { PATH: process.env.PATH } });
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (chunk: string) => {
      this.#out += chunk;
      const end = this.#out.indexOf('\x01\n');
      if (end >= 0 && this.#waiting) {
        const out = this.#out.slice(0, end);
        this.#out = this.#out.slice(end + 2);
        this.#waiting(out);
      }
    });
    this.#child.stdin.write(`npx() { printf '%s\\0' "$@"; }\n`);
  }

  /** The arguments `command` gives `npx`, as the shell splits and unquotes them, and its exit status. */
  run(command: string, env: Record<string, string> = {}): Promise<{ status: number; args: string[] }> {
    const set = Object.entries(env).map(([name, value]) => `${name}='${value}'; export ${name}; `).join('');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A command that leaves a quote open keeps the shell reading: start a new one.
        this.#waiting = undefined;
        this.#child.kill();
        this.#start();
        reject(new Error(`the shell did not finish the command (an unclosed quote?): ${command}`));
      }, 3000);
      this.#waiting = (out) => {
        clearTimeout(timer);
        this.#waiting = undefined;
        const [printed, status] = out.split('\x01');
        resolve({ status: Number(status), args: printed === '' ? [] : printed!.slice(0, -1).split('\0') });
      };
      this.#child.stdin.write(`(unset ${VARIABLES.join(' ')}; ${set}\n${command}\n); printf '\\001%s\\001\\n' "$?"\n`);
    });
  }

  close(): void {
    this.#child.kill();
  }
}

const shell = new Shell();
afterAll(() => shell.close());
const argumentsOf = (command: string, env?: Record<string, string>) => shell.run(command, env);

/** The value that follows each `flag` among `args`. */
const valuesOf = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

const runnerOptions = fc.dictionary(fc.constantFrom('database', 'user', 'multi-statement'), awkward, { maxKeys: 2 });
// Folders directly in the current directory too: there a name's leading `-` would start the argument.
const setDir = fc.tuple(fc.constantFrom('', 'sets', '/elsewhere/sets'), folderName).map(([parent, name]) => path.resolve(process.cwd(), parent, name));

describe('reproduce commands give back their arguments through a shell', () => {
  it('check: the set folder, runner options, retry policy and image, each one argument, the folder not taken for an option', async () => {
    await fc.assert(
      fc.asyncProperty(setDir, runnerOptions, fc.option(awkward, { nil: undefined }), fc.option(awkward, { nil: undefined }), async (dir, options, retry, image) => {
        const request: RunRequest = {
          dir,
          runner: 'codd',
          checks: ['fresh'],
          postgres: [17],
          provider: image === undefined ? 'embedded' : 'container',
          ...(image !== undefined ? { image } : {}),
          options: { seed: 7 },
          runnerOptions: options,
          ...(retry !== undefined ? { retry } : {}),
        };
        const { status, args } = await argumentsOf(displayText(reproduceCommand(request, 'fresh', 17, ['--path', '1:2'])));
        expect(status).toBe(0);
        expect(args.slice(0, 2)).toEqual(['migtest', 'check']);
        expect(path.resolve(args[2]!)).toBe(dir);
        expect(args[2]!.startsWith('-')).toBe(false);
        expect(valuesOf(args, '--runner-option')).toEqual(Object.entries(options).map(([n, v]) => `${n}=${v}`));
        expect(valuesOf(args, '--retry')).toEqual(retry === undefined ? [] : [retry]);
        expect(valuesOf(args, '--image')).toEqual(image === undefined ? [] : [image]);
        expect(valuesOf(args, '--path')).toEqual(['1:2']);
      }),
      { numRuns: 60 },
    );
  });

  it('check: the variables a set reads pass from the shell by name, never by value, and a shell without one stops', async () => {
    await fc.assert(
      fc.asyncProperty(setDir, fc.uniqueArray(fc.constantFrom(...VARIABLES), { minLength: 1, maxLength: 3 }), fc.nat(), async (dir, names, value) => {
        const request: RunRequest = { dir, runner: 'codd', checks: ['fresh'], postgres: [17], provider: 'embedded', options: {} };
        // As a reporter prints it: the set's absolute path shown from the current directory.
        const command = displayText(reproduceCommand(request, 'fresh', 17, [], names));
        const secret = `secret-${value}`;
        expect(command.includes(secret)).toBe(false);
        const env = Object.fromEntries(names.map((n) => [n, secret]));
        expect((await argumentsOf(command, env)).status).toBe(0);
        const missing = await argumentsOf(command, Object.fromEntries(names.slice(1).map((n) => [n, secret])));
        expect(missing.status).not.toBe(0);
        expect(missing.args).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });

  it('snapshot and lint: the set folder, the --out folder and runner options, each one argument', async () => {
    await fc.assert(
      fc.asyncProperty(setDir, setDir, runnerOptions, async (dir, out, options) => {
        const snapshot = await argumentsOf(displayText(snapshotCommand(dir, 'codd', [16, 17], out, options)));
        expect(snapshot.status).toBe(0);
        expect(snapshot.args.slice(0, 2)).toEqual(['migtest', 'snapshot']);
        expect(path.resolve(snapshot.args[2]!)).toBe(dir);
        expect(snapshot.args[2]!.startsWith('-')).toBe(false);
        expect(valuesOf(snapshot.args, '--out').map((o) => path.resolve(o))).toEqual([out]);
        expect(valuesOf(snapshot.args, '--runner-option')).toEqual(Object.entries(options).map(([n, v]) => `${n}=${v}`));

        const lint = await argumentsOf(displayText(lintReproduce(dir, 'codd', options)));
        expect(lint.status).toBe(0);
        expect(lint.args.slice(0, 2)).toEqual(['migtest', 'lint']);
        expect(path.resolve(lint.args[2]!)).toBe(dir);
        expect(lint.args[2]!.startsWith('-')).toBe(false);
        expect(valuesOf(lint.args, '--runner-option')).toEqual(Object.entries(options).map(([n, v]) => `${n}=${v}`));
      }),
      { numRuns: 40 },
    );
  });
});

/** Object paths as snapshots name them: a kind, `:`, a name that may hold anything PostgreSQL allows. */
const objectPath = fc
  .tuple(fc.constantFrom('table', 'column', 'function', 'default-privileges', 'role'), fc.oneof(awkward, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 })))
  .map(([kind, name]) => `${kind}:${name}`);

describe('expected-schema file names', () => {
  it('an escaped part gives back its text, and holds only characters safe on every file system', () => {
    fc.assert(
      fc.property(fc.oneof(awkward, fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('con', 'NUL', 'Aux.json', 'lpt1', '.', ' ', 'a.', '^', '%41')), (text) => {
        const escaped = escapeSegment(text);
        expect(unescapeSegment(escaped)).toBe(text);
        expect(escaped).toMatch(/^[A-Za-z0-9._\-()+,=@[\] %^]+$/);
        expect(escaped).not.toMatch(/^[. ]|[. ]$/);
        expect(escaped.split('.')[0]!.replaceAll('^', '')).not.toMatch(/^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i);
      }),
      { numRuns: 300 },
    );
  });

  it('two different texts never share a file name, even on a file system that ignores case', () => {
    fc.assert(
      fc.property(awkward, awkward, (a, b) => {
        if (a === b) return;
        expect(escapeSegment(a).toLowerCase()).not.toBe(escapeSegment(b).toLowerCase());
        // The same text in other case: `Users` and `users` are two tables.
        if (a.toLowerCase() !== a) expect(escapeSegment(a).toLowerCase()).not.toBe(escapeSegment(a.toLowerCase()).toLowerCase());
      }),
      { numRuns: 300 },
    );
  });

  it('an object path gives a file of bounded name that gives the path back, unless cut; different paths, different files', () => {
    fc.assert(
      fc.property(objectPath, objectPath, (a, b) => {
        const file = objectFile(a);
        const [kindDir, name] = file.split('/');
        expect(file.split('/')).toHaveLength(2);
        expect(Buffer.byteLength(name!)).toBeLessThanOrEqual(200 + '.json'.length);
        expect(kindDir).toBe(escapeSegment(a.slice(0, a.indexOf(':'))));
        if (name!.includes('~')) expect(objectPathOf(file)).toBeUndefined();
        else expect(objectPathOf(file)).toBe(a);
        if (a !== b) expect(objectFile(a).toLowerCase()).not.toBe(objectFile(b).toLowerCase());
      }),
      { numRuns: 200 },
    );
  });
});

/** What the GitHub runner makes of a property value and of a message (actions/toolkit's command escaping, reversed). */
const unescapeData = (s: string): string => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
const unescapeProperty = (s: string): string => unescapeData(s.replaceAll('%3A', ':').replaceAll('%2C', ','));

describe('GitHub annotations', () => {
  it('a property value and a message give back their text, and hold nothing that would end them', () => {
    fc.assert(
      fc.property(awkward, (text) => {
        const property = escapeProperty(text);
        expect(property).not.toMatch(/[\r\n:,]/);
        expect(unescapeProperty(property)).toBe(text);
        const data = escapeData(text);
        expect(data).not.toMatch(/[\r\n]/);
        expect(unescapeData(data)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
