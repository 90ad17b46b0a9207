import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';

/**
 * A set that does not apply fails the run whatever `--checks` holds: a check that cannot run is a
 * failure (exit 1) that carries the error that stopped the first run, never a skip that passes.
 * And `--format json` answers exit 2 with one object too.
 */

interface Finding {
  check: string;
  file: string | null;
  line: number | null;
  sqlstate: string | null;
  message: string;
  reproduce: string;
  cases: number;
}
interface Check {
  name: string;
  status: string;
  cases: number;
  reason?: string;
  findings: Finding[];
  notes: unknown[];
}
interface Report {
  ok: boolean;
  checks: Check[];
}

describe('a check that cannot run because the set does not apply', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-cannot-run-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  // The second file divides by zero: nothing after the first file ever applies.
  writeFileSync(join(scratch, '000001_table.up.sql'), 'CREATE TABLE IF NOT EXISTS t (x int);\n');
  writeFileSync(join(scratch, '000002_divide.up.sql'), '-- a seed that cannot work\nINSERT INTO t VALUES (1 / 0);\n');
  // Outside the current directory: findings and commands name it by its absolute path.
  const set = scratch;
  const divide = `${set}/000002_divide.up.sql`;
  const base = ['check', set, '--runner', 'rerun-all'];

  it('--checks twice: exit 1, the check fails with the error that stopped the first run (json)', async () => {
    const result = await migtest([...base, '--checks', 'twice', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(report.checks).toHaveLength(1);
    const [twice] = report.checks;
    expect(twice).toMatchObject({ name: 'twice', status: 'fail', cases: 0, reason: 'cannot run: the set does not apply to an empty database (the first run fails)', notes: [] });
    expect(twice!.findings).toHaveLength(1);
    expect(twice!.findings[0]).toMatchObject({
      check: 'twice',
      file: divide,
      line: 2,
      sqlstate: '22012',
      message: 'the first run fails here, so twice cannot run: division by zero',
      cases: 1,
      reproduce: `npx migtest check ${set} --runner rerun-all --checks twice --pg 17`,
    });
  });

  it('text: FAIL, the error in full once, and no check counted as passed', async () => {
    const result = await migtest([...base, '--checks', 'twice,fault', '--exhaustive']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ twice {4}pg 17 {2}0 cases .* cannot run: the set does not apply/);
    expect(result.stdout).toMatch(/✗ fault {4}pg 17 {2}0 cases .* cannot run: the set does not apply/);
    expect(result.stdout).toContain(`✗ ${divide}:2:1\n`);
    expect(result.stdout.match(/22012 the first run fails here, so twice cannot run: division by zero/g)).toHaveLength(1);
    expect(result.stdout).toContain(`✗ ${divide}:2:1  22012 the error shown above stops the first run`);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('FAIL 2 of 2 checks failed (2 could not run: the set does not apply), 2 findings');
    expect(result.stdout).not.toContain('PASS');
    expect(result.stdout).not.toContain('skipped');
  });

  it('junit: the check is a failed testcase with the error, not a skipped one', async () => {
    const out = join(scratch, 'report', 'junit.xml');
    const result = await migtest([...base, '--checks', 'resume', '--format', 'junit', '--out', out]);
    expect(result.code).toBe(1);
    const xml = readFileSync(out, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<skipped');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' }).parse(xml) as {
      testsuites: { failures: string; skipped: string; testsuite: { testcase: { name: string; failure: { message: string; type: string } }[] } };
    };
    expect(doc.testsuites).toMatchObject({ failures: '1', skipped: '0' });
    const [resume] = doc.testsuites.testsuite.testcase;
    expect(resume!.name).toBe(`resume · PostgreSQL 17 · ${divide}`);
    expect(resume!.failure).toMatchObject({ type: '22012', message: '22012 the first run fails here, so resume cannot run: division by zero' });
  });

  it('--shard: a shard where fresh does not run still fails, with the same error', async () => {
    const result = await migtest([...base, '--checks', 'fresh,fault', '--exhaustive', '--shard', '2/2', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['fault', 'fail']]);
    expect(report.checks[0]!.findings[0]).toMatchObject({ file: divide, line: 2, sqlstate: '22012' });
  });

  it('a skip for a real reason stays a skip and passes: no case of the check on this shard', async () => {
    // One file, one statement: 2 boundaries × 1 kind, so shard 3/3 has none of them.
    const applies = mkdtempSync(join(tmpdir(), 'migtest-applies-'));
    try {
      writeFileSync(join(applies, '000001_t.up.sql'), 'CREATE TABLE IF NOT EXISTS t (x int);\n');
      const result = await migtest(['check', applies, '--runner', 'rerun-all', '--checks', 'fault', '--faults', 'error', '--exhaustive', '--shard', '3/3']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/- fault {4}pg 17 {2}0 cases .* skipped: none of the 2 cases falls on shard 3\/3/);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('PASS 0 checks passed, 1 skipped');
    } finally {
      rmSync(applies, { recursive: true, force: true });
    }
  });
});

describe('--format json on exit 2: one object with the error', () => {
  interface ErrorObject {
    ok: boolean;
    error: { message: string; file: string | null; line: number | null; fix: string | null };
  }
  const parse = (stdout: string): ErrorObject => JSON.parse(stdout) as ErrorObject;

  it('check: bad input with its file, line and fix; the person\'s message still on stderr', async () => {
    const broken = 'migrations-under-test/cigogne-single-transaction/broken';
    const result = await migtest(['check', broken, '--runner', 'cigogne', '--format', 'json']);
    expect(result.code).toBe(2);
    const { ok, error } = parse(result.stdout);
    expect(ok).toBe(false);
    expect(error.file).toBe(`${broken}/20250301092000-SeedRoomRates.sql`);
    expect(error.line).toBe(3);
    expect(error.message).toContain('psql meta-command');
    expect(error.fix).toEqual(expect.any(String));
    expect(result.stderr).toContain(`migtest: ${broken}/20250301092000-SeedRoomRates.sql:3`);
  });

  it('check, lint and run: a missing folder, a usage error and an unknown scenario each give the object; --out gets it where the report would go', async () => {
    const missing = await migtest(['check', 'no-such-folder', '--runner', 'rerun-all', '--format', 'json']);
    expect(missing.code).toBe(2);
    expect(parse(missing.stdout)).toMatchObject({ ok: false, error: { file: 'no-such-folder', line: null } });
    expect(parse(missing.stdout).error.message).toContain('does not exist');

    const usage = await migtest(['check', 'no-such-folder', '--runner', 'rerun-all', '--checks', 'twice,sideways', '--format', 'json']);
    expect(usage.code).toBe(2);
    expect(parse(usage.stdout).error).toMatchObject({ message: "unknown check 'sideways'", file: null, line: null });

    const option = await migtest(['lint', 'no-such-folder', '--runner', 'rerun-all', '--sideways', '--format=json']);
    expect(option.code).toBe(2);
    expect(parse(option.stdout).error).toEqual({ message: "unknown option '--sideways'", file: null, line: null, fix: 'migtest lint --help lists the options this command takes' });
    expect(option.stderr).toContain("unknown option '--sideways'");

    const scenario = await migtest(['run', 'scenarios/no-such-story', '--format', 'json']);
    expect(scenario.code).toBe(2);
    expect(parse(scenario.stdout).ok).toBe(false);

    const scratch = mkdtempSync(join(tmpdir(), 'migtest-json-error-'));
    try {
      const out = join(scratch, 'out', 'report.json');
      const toFile = await migtest(['check', 'no-such-folder', '--runner', 'rerun-all', '--format', 'json', '--out', out]);
      expect(toFile.code).toBe(2);
      expect(toFile.stdout).toBe('');
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ ok: false, error: { file: 'no-such-folder' } });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('text stays text: no JSON on stdout without --format json', async () => {
    const result = await migtest(['check', 'no-such-folder', '--runner', 'rerun-all']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('does not exist');
  });
});
