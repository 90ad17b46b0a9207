import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';

/*
 * Paths are absolute in the core and shown by the reporter from the directory migtest runs in
 * (src/report/paths.ts). Run from the set's parent, every path a report names (finding and note
 * files, the set, paths inside messages, case fields, reproduce commands) is relative to that
 * parent; run from a directory the set is not in, they are absolute.
 */

const PARENT = join(ROOT, 'migrations-under-test/volatile-seeds');
const WRITER = '000005_create_welcome_messages.up.sql';
const FAULT = ['--runner', 'rerun-all', '--checks', 'fault', '--seed', '5'];

type JsonFinding = JsonReport['checks'][number]['findings'][number] & { case?: { point?: { file: string } } };

function faultFinding(report: JsonReport): JsonFinding {
  const finding = report.checks.find((c) => c.name === 'fault')?.findings[0] as JsonFinding | undefined;
  expect(finding, JSON.stringify(report)).toBeDefined();
  return finding!;
}

describe('paths shown from the directory migtest runs in', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-cwd-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("from the set's parent: file, set, message, case and reproduce name the set as `broken/…`", async () => {
    const result = await migtest(['check', 'broken', ...FAULT, '--format', 'json'], { cwd: PARENT });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.set).toBe('broken');
    const finding = faultFinding(report);
    expect(finding.file).toBe(`broken/${WRITER}`);
    expect(finding.message).toContain(`written by broken/${WRITER}:8:1`);
    expect(finding.case?.point?.file).toMatch(/^broken\/0000\d\d_[a-z_]+\.up\.sql$/);
    expect(finding.reproduce).toMatch(/^npx migtest check broken --runner rerun-all --checks fault --pg 17 --seed 5 --path \S+$/);
    expect(result.stdout).not.toContain(ROOT);
    expect(result.stdout).not.toContain('\\u0000');
  });

  it('from a directory outside the set: every path absolute; GitHub annotations still name the file from the workspace', async () => {
    const set = join(PARENT, 'broken');
    const out = join(scratch, 'report.xml');
    const result = await migtest(['check', set, ...FAULT, '--format', 'github,junit', '--out', out], { cwd: scratch, env: { GITHUB_WORKSPACE: ROOT } });
    expect(result.code).toBe(1);
    const annotation = result.stdout.split('\n').find((l) => l.startsWith('::error '));
    expect(annotation).toContain(`file=migrations-under-test/volatile-seeds/broken/${WRITER},line=8`);
    expect(annotation).toContain(`written by ${set}/${WRITER}:8:1`);
    expect(annotation).toContain(`reproduce: npx migtest check ${set} --runner rerun-all`);
    const xml = readFileSync(out, 'utf8');
    expect(xml).toContain(`<testsuites name="migtest ${set}"`);
    expect(xml).toContain(`${set}/${WRITER}:8:1`);
    expect(xml).not.toContain('\\u0000');
  });

  it("lint and a refused request, from the set's parent: findings, the set, the error and its fix relative to it", async () => {
    const lint = await migtest(['lint', 'broken', '--runner', 'rerun-all', '--format', 'json'], { cwd: join(ROOT, 'migrations-under-test/lint-rerun-order') });
    expect(lint.code).toBe(1);
    const report = JSON.parse(lint.stdout) as JsonReport;
    expect(report.set).toBe('broken');
    const files = report.checks[0]!.findings.map((f) => f.file);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^broken\/0000\d\d_[a-z_]+\.up\.sql$/);
    expect(report.checks[0]!.findings[0]!.reproduce).toBe('npx migtest lint broken --runner rerun-all');

    const refused = await migtest(['check', 'broken', '--runner', 'golang-migrate', '--checks', 'expected'], { cwd: join(ROOT, 'migrations-under-test/golang-migrate-force') });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no expected-schema folder expected-schema for check expected');
    expect(refused.stderr).toContain('fix: write it from the set as it is now, review and commit it (or pass --expected <folder>): npx migtest snapshot broken --runner golang-migrate');
  });
});
