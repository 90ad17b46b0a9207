import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

/*
 * The bad-input table (issue 13): each row is a command a user might type with bad input, and
 * must end in exit 2 with a message that names the file or option at fault and a fix, and no
 * stack trace. Rows that need no server are refused before any server starts: their runs get a
 * MIGTEST_TMPDIR that does not exist, so a server start would fail differently, and the output
 * must not announce one.
 */

const work = mkdtempSync(join(tmpdir(), 'migtest-bad-input-'));
chmodSync(work, 0o755); // the unreadable-file row runs as another user, who must reach the set
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NO_SERVER_DIR = join(work, 'no-such-folder', 'tmp');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; asNobody?: boolean } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.asNobody ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Nothing here may hang (a FIFO read would): a row that does fails on the code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A set folder of its own for one row: `files` written, then `setup` for what writeFileSync cannot make. */
function set(name: string, files: Record<string, string>, setup?: (dir: string) => void): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  setup?.(dir);
  return dir;
}

const GOOD = { '000001_a.up.sql': 'CREATE TABLE IF NOT EXISTS a (x int);\n', '000001_a.down.sql': 'DROP TABLE a;\n' };
const check = (dir: string, ...rest: string[]): string[] => ['check', dir, '--runner', 'golang-migrate', '--checks', 'fresh', ...rest];

/** Exit 2, the message names `names` (each), a fix line, no stack, no "unexpected failure". */
function expectRefusal(result: Result, names: string[]): void {
  const text = result.stderr + result.stdout;
  expect(result.code, text).toBe(2);
  for (const name of names) expect(result.stderr, `the message names ${name}`).toContain(name);
  expect(result.stderr).toMatch(/\n {2}(fix|see): /);
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(text).not.toContain('unexpected failure');
}

interface Row {
  name: string;
  args: () => string[];
  /** What the message must name: the file (its name) or the option. */
  names: string[];
  cwd?: string;
  asNobody?: boolean;
  /** After the run: what else must hold (a file left as it was). */
  after?: () => void;
  skip?: boolean;
}

const root = process.getuid?.() === 0;
const outFile = join(work, 'a-file');
writeFileSync(outFile, 'not a folder\n');
const readOnly = join(work, 'read-only');
mkdirSync(readOnly);
chmodSync(readOnly, 0o555);
const migrationText = GOOD['000001_a.up.sql'];

const ROWS: Row[] = [
  // Files named like migrations that cannot be read (item 5).
  { name: 'a dangling symlink', args: () => check(set('dangling', GOOD, (d) => symlinkSync('nowhere.sql', join(d, '000002_b.up.sql')))), names: ['000002_b.up.sql', 'does not exist'] },
  { name: 'a symlink loop', args: () => check(set('loop', GOOD, (d) => symlinkSync('000002_b.up.sql', join(d, '000002_b.up.sql')))), names: ['000002_b.up.sql', 'itself'] },
  { name: 'a FIFO (never opened)', args: () => check(set('fifo', GOOD, (d) => execFileSync('mkfifo', [join(d, '000002_b.up.sql')]))), names: ['000002_b.up.sql', 'FIFO'] },
  { name: 'a folder named like a migration', args: () => check(set('folder', GOOD, (d) => mkdirSync(join(d, '000002_b.up.sql')))), names: ['000002_b.up.sql', 'folder'] },
  {
    name: 'an unreadable file',
    args: () => ['lint', set('unreadable', { ...GOOD, '000002_b.up.sql': 'SELECT 1;\n' }, (d) => { chmodSync(d, 0o755); chmodSync(join(d, '000002_b.up.sql'), 0o000); }), '--runner', 'golang-migrate'],
    names: ['000002_b.up.sql', 'permission denied'],
    // root reads every file: the row runs as nobody then.
    asNobody: root,
    cwd: '/',
  },
  { name: 'a NUL byte, at its line and column', args: () => check(set('nul', { ...GOOD, '000002_b.up.sql': "SELECT 1;\nSELECT 'a\0b';\n" })), names: ['000002_b.up.sql:2:10', 'NUL'] },
  { name: 'a file that is not UTF-8', args: () => check(set('latin1', { ...GOOD, '000002_b.up.sql': 'SELECT 1;\n' }, (d) => writeFileSync(join(d, '000002_b.up.sql'), Buffer.from([0x53, 0x45, 0xe9, 0x0a])))), names: ['000002_b.up.sql', 'UTF-8'] },

  // --out (item 6), checked before the run.
  { name: 'check --out directly in the set folder', args: () => check(set('out-inside', GOOD), '--format', 'json', '--out', join(work, 'out-inside', '2_report.up.json')), names: ['--out', "directly in the migration set's folder"] },
  {
    name: 'check --out naming a migration file (left as it was)',
    args: () => check(set('out-migration', GOOD), '--format', 'json', '--out', join(work, 'out-migration', '000001_a.up.sql')),
    names: ['--out', '000001_a.up.sql', 'overwrite'],
    after: () => expect(readFileSync(join(work, 'out-migration', '000001_a.up.sql'), 'utf8')).toBe(migrationText),
  },
  { name: 'check --out under a file', args: () => check(set('out-file', GOOD), '--format', 'junit', '--out', join(outFile, 'junit.xml')), names: ['--out', 'a-file'] },
  { name: 'check --out that is a folder', args: () => check(set('out-folder', GOOD), '--format', 'json', '--out', work), names: ['--out', 'is a folder'] },
  { name: 'check --out in a read-only folder', args: () => check(set('out-ro', GOOD), '--format', 'json', '--out', join(readOnly, 'r.json')), names: ['--out', 'read-only'], skip: root },
  { name: 'lint --out directly in the set folder', args: () => ['lint', set('lint-out', GOOD), '--runner', 'golang-migrate', '--out', join(work, 'lint-out', 'lint.txt')], names: ['--out', "directly in the migration set's folder"] },
  { name: 'lint --out under a file', args: () => ['lint', set('lint-out-file', GOOD), '--runner', 'golang-migrate', '--out', join(outFile, 'x', 'lint.txt')], names: ['--out', 'a-file'] },
  { name: 'snapshot --out the set folder', args: () => ['snapshot', set('snap-out', GOOD), '--runner', 'golang-migrate', '--out', join(work, 'snap-out')], names: ['--out', "the migration set's folder"] },
  { name: 'snapshot --out under a file', args: () => ['snapshot', set('snap-out-file', GOOD), '--runner', 'golang-migrate', '--out', join(outFile, 'expected')], names: ['--out', 'a-file'] },

  // Options that would be ignored, rounded or vacuous (item 6).
  { name: '--path without --seed', args: () => check(set('path-no-seed', GOOD), '--checks', 'resume', '--path', '0:1'), names: ['--path', '--seed'] },
  { name: '--path not a path', args: () => check(set('path-bad', GOOD), '--checks', 'resume', '--seed', '1', '--path', 'abc'), names: ['--path', "'abc'"] },
  { name: '--path with --exhaustive', args: () => check(set('path-exh', GOOD), '--checks', 'resume', '--seed', '1', '--path', '0', '--exhaustive'), names: ['--path', '--exhaustive'] },
  { name: '--runs 0', args: () => check(set('runs-0', GOOD), '--runs', '0'), names: ['--runs'] },
  { name: 'a seed above 2^53-1', args: () => check(set('seed-big', GOOD), '--seed', '9007199254740993'), names: ['--seed', '9007199254740993'] },

  // Config and scenario files.
  {
    name: 'a config with a syntax error: file, line and column',
    args: () => {
      set('config-syntax', GOOD);
      writeFileSync(join(work, 'syntax.config.mjs'), "export default {\n  set: 'config-syntax',\n  runner: 'golang-migrate'\n  checks: ['fresh'],\n};\n");
      return ['check', '--config', join(work, 'syntax.config.mjs')];
    },
    names: ['syntax.config.mjs:4:3'],
  },
  {
    name: 'a config with url beside provider embedded: the file and line',
    args: () => {
      set('config-url', GOOD);
      writeFileSync(join(work, 'url.config.mjs'), "export default {\n  set: 'config-url',\n  runner: 'golang-migrate',\n  provider: 'embedded',\n  url: 'postgres://localhost:1/x',\n};\n");
      return ['check', '--config', join(work, 'url.config.mjs')];
    },
    names: ['url.config.mjs:5', "provider 'url'"],
  },
  {
    name: 'a scenario of garbage bytes (shown escaped)',
    args: () => {
      writeFileSync(join(work, 'garbage.json'), Buffer.from('{"name": "x", \x1b[2J\x1b]0;title\x07\x00 }', 'latin1'));
      return ['run', join(work, 'garbage.json')];
    },
    names: ['garbage.json:1:15', '\\x1b[2J'],
  },
  {
    name: 'a scenario string with an escape sequence',
    args: () => {
      writeFileSync(join(work, 'escape.json'), JSON.stringify({ name: 'x', story: 'y', runner: '\u001b[31mred', checks: ['fresh'], sets: { a: { path: 'config-url' } } }));
      return ['run', join(work, 'escape.json')];
    },
    names: ['escape.json', 'runner', '\\x1b[31mred'],
  },

  // A sample of the refusals that were there before.
  { name: 'a missing set folder', args: () => check(join(work, 'nope')), names: ['nope', 'does not exist'] },
  { name: 'an unknown runner', args: () => ['check', set('unknown-runner', GOOD), '--runner', 'flyway'], names: ['flyway', '--runner'] },
  { name: 'a shard out of range', args: () => check(set('shard', GOOD), '--shard', '3/2'), names: ['--shard'] },
  { name: 'a malformed retry policy', args: () => check(set('retry', GOOD), '--retry', 'often'), names: ['often'] },
  { name: 'an unknown runner option', args: () => check(set('runner-option', GOOD), '--runner-option', 'nope=1'), names: ['nope'] },
  { name: 'an unknown format', args: () => check(set('format', GOOD), '--format', 'xml'), names: ['--format', 'xml'] },
  { name: 'a malformed statement timeout', args: () => check(set('timeout', GOOD), '--statement-timeout', 'soon'), names: ['--statement-timeout', 'soon'] },
  { name: 'a missing scenario', args: () => ['run', join(work, 'no-scenario')], names: ['no-scenario'] },
  { name: 'a dbmate file without -- migrate:up', args: () => ['check', set('dbmate', { '20240101000000_a.sql': 'CREATE TABLE a (x int);\n' }), '--runner', 'dbmate'], names: ['20240101000000_a.sql', 'migrate:up'] },
  { name: 'an unknown fault kind', args: () => check(set('faults', GOOD), '--faults', 'meteor'), names: ['--faults', 'meteor'] },
];

describe('bad input: exit 2 naming the file or option, refused before any server starts', () => {
  it.concurrent.each(ROWS.filter((row) => !row.skip).map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const result = await run(row.args(), { env: { MIGTEST_TMPDIR: NO_SERVER_DIR }, ...(row.cwd ? { cwd: row.cwd } : {}), ...(row.asNobody ? { asNobody: true } : {}) });
    expectRefusal(result, row.names);
    expect(result.stdout + result.stderr).not.toMatch(/ready in|PostgreSQL \d+(\.\d+)? \(/);
    // Garbage never reaches the terminal as it is.
    expect(result.stdout + result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    row.after?.();
  });
});

describe('bad input found once the server runs: still exit 2, never a finding', () => {
  it('a migration that fills the disk (53100) is the test machine\'s limit, and a --path that reaches no case names --path', async () => {
    const full = set('disk-full', {
      '000001_a.up.sql': 'CREATE TABLE IF NOT EXISTS a (x int);\n',
      // What PostgreSQL answers when the cluster's disk is full (could not extend file …).
      '000002_fill.up.sql': "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = '53100', MESSAGE = 'could not extend file: No space left on device'; END$$;\n",
    });
    const [disk, path] = await Promise.all([
      run(check(full)),
      run(check(set('path-range', { ...GOOD, '000002_b.up.sql': 'CREATE TABLE IF NOT EXISTS b (x int);\n' }), '--checks', 'resume', '--seed', '1', '--path', '0:999:999')),
    ]);
    expectRefusal(disk, ['disk space', '000002_fill.up.sql', 'MIGTEST_TMPDIR']);
    expect(disk.stdout + disk.stderr).not.toMatch(/FAIL|finding/);
    expectRefusal(path, ['--path 0:999:999', 'resume']);
  });

  it('--pg 17,17 runs every check once', async () => {
    const result = await run([...check(set('pg-twice', GOOD), '--pg', '17,17', '--format', 'json')]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { postgres: string[]; checks: unknown[] };
    expect(report.postgres).toHaveLength(1);
    expect(report.checks).toHaveLength(1);
  });
});
