import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';

const BROKEN = 'migrations-under-test/certctl-double-run/broken';
const CONSTRAINTS = `${BROKEN}/000004_certificate_constraints.up.sql`;
const REPRODUCE = `npx migtest check ${BROKEN} --runner rerun-all --checks twice --pg 17`;

interface Testcase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; '#text': string };
}

function testcases(xml: string): { suites: { name: string; testcase: Testcase[] }[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    htmlEntities: true,
    isArray: (name) => ['testsuite', 'testcase'].includes(name),
  }).parse(xml) as { testsuites: { testsuite: { name: string; testcase: Testcase[] }[] } };
  return { suites: doc.testsuites.testsuite };
}

describe('reporters on the certctl double-run story', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-reporters-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('--format junit: a passing testcase for fresh, a failing one for the 42710 of twice with where, hint and reproduce', async () => {
    const result = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--format', 'junit']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const { suites } = testcases(result.stdout);
    expect(suites.map((s) => s.name)).toEqual([`${BROKEN} · rerun-all · PostgreSQL 17`]);
    const [fresh, twice] = suites[0]!.testcase;
    expect(fresh).toMatchObject({ classname: 'pg17.fresh', name: 'fresh · PostgreSQL 17' });
    expect(fresh!.failure).toBeUndefined();
    expect(twice).toMatchObject({ classname: 'pg17.twice', name: `twice · PostgreSQL 17 · ${CONSTRAINTS}`, file: CONSTRAINTS, line: '2' });
    expect(twice!.failure).toMatchObject({
      type: '42710',
      message: '42710 constraint "certificates_status_check" for relation "certificates" already exists',
    });
    const body = twice!.failure!['#text'];
    expect(body.split('\n')[0]).toBe(`${CONSTRAINTS}:2:1`);
    expect(body).toMatch(/^ALTER TABLE certificates\n\s+ADD CONSTRAINT certificates_status_check/m);
    expect(body).toMatch(/^hint: guard it with a pg_constraint lookup in a DO block/m);
    expect(body).toContain(`reproduce: ${REPRODUCE}`);
  });

  it('--format github,junit --out on PostgreSQL 16 and 17: an annotation per version on the file and line, a testsuite per version, exit code unchanged', async () => {
    const out = join(scratch, 'junit.xml');
    const result = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--pg', '16,17', '--format', 'github,junit', '--out', out]);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const message =
      'constraint "certificates_status_check" for relation "certificates" already exists%0A' +
      `hint: guard it with a pg_constraint lookup in a DO block (DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '…') THEN ALTER TABLE … ADD CONSTRAINT …; END IF; END $$), or DROP CONSTRAINT IF EXISTS first%0A`;
    expect(lines.slice(0, 2)).toEqual(
      ['16', '17'].map(
        (major) => `::error file=${CONSTRAINTS},line=2,col=1,title=migtest twice · PostgreSQL ${major} · 42710::${message}reproduce: ${REPRODUCE.replace('--pg 17', `--pg ${major}`)}`,
      ),
    );
    expect(lines.slice(2)).toEqual([
      'ok   fresh pg 16: 1 case',
      'FAIL twice pg 16: 1 case, 1 finding',
      'ok   fresh pg 17: 1 case',
      'FAIL twice pg 17: 1 case, 1 finding',
      expect.stringMatching(new RegExp(`^migtest: FAIL 2 of 4 checks failed, 2 findings \\(${BROKEN}, runner rerun-all, PostgreSQL 16\\.\\d+, 17\\.\\d+\\)$`)),
    ]);
    const { suites } = testcases(readFileSync(out, 'utf8'));
    expect(suites.map((s) => s.name)).toEqual(['16', '17'].map((major) => `${BROKEN} · rerun-all · PostgreSQL ${major}`));
    for (const [i, suite] of suites.entries()) {
      const major = ['16', '17'][i]!;
      expect(suite.testcase.map((t) => `${t.classname} ${t.failure?.type ?? 'pass'}`)).toEqual([`pg${major}.fresh pass`, `pg${major}.twice 42710`]);
    }
  });

  it('text in CI: plain lines for each check start and end with its version, no carriage return or colour', async () => {
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice'], {
      env: { CI: 'true', NO_COLOR: '' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/[\r\x1b]/);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => / pg 17 /.test(l)).map((l) => l.replace(/\d+(\.\d)? m?s$/, 'T'))).toEqual([
      '  · fresh    pg 17  started',
      '  ✓ fresh    pg 17  1 case  T',
      '  · twice    pg 17  started',
      '  ✓ twice    pg 17  1 case  T',
    ]);
    expect(lines.at(-1)).toBe('PASS 2 checks passed');
  });

  it('refuses a malformed --shard or --format with exit 2 and what to write', async () => {
    const shard = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--shard', '0/3']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain("--shard takes i/n with 1 ≤ i ≤ n, e.g. 2/4, not '0/3'");
    expect(shard.stderr).not.toMatch(/\n\s+at /);
    const format = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--format', 'github,junit']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('e.g. --format github,junit --out junit.xml');
    expect(format.stdout).toBe('');
  });
});
