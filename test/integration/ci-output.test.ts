import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';
import { junitSchemaErrors } from '../unit/junit-validate.js';

/*
 * The CI conventions of issue 14, through the built CLI as a workflow step runs it: annotations
 * under GITHUB_ACTIONS=true without asking, once, never inside a machine format; JUnit that a
 * schema accepts; every lint format.
 */

const FORCE = 'migrations-under-test/golang-migrate-force/broken';
const FORCE_FILE = `${FORCE}/000003_add_account_plan.up.sql`;
const MULTI = ['--runner', 'golang-migrate', '--runner-option', 'multi-statement=true'];
const CERTCTL = 'migrations-under-test/certctl-double-run/broken';
const GITHUB = { GITHUB_ACTIONS: 'true' };

const annotationsOf = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('::'));

describe('CI-native output', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-ci-output-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('under GITHUB_ACTIONS=true a text run prints ::error on the file and line of each finding and ::warning for a note, after the text', async () => {
    const result = await migtest(['check', FORCE, ...MULTI, '--checks', 'fault', '--seed', '42'], { env: GITHUB });
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    const summary = lines.findIndex((l) => l.startsWith('FAIL 1 of 1 checks failed'));
    expect(summary).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.startsWith('::'))).toBeGreaterThan(summary);
    const annotations = annotationsOf(result.stdout);
    const errors = annotations.filter((a) => a.startsWith('::error '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^::error file=${FORCE_FILE.replaceAll('.', '\\.')},line=3,col=1,title=migtest fault · PostgreSQL 17 · 42701::`));
    // The message is one line: its line breaks escaped, as GitHub unescapes them.
    expect(errors[0]).toContain('%0Areproduce: npx migtest check');
    const warnings = annotations.filter((a) => a.startsWith('::warning '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^::warning file=migrations-under-test\/golang-migrate-force\/broken\/000001_create_plans\.up\.sql,title=migtest fault · PostgreSQL 17 · note::Dirty database version/);
  }, 180_000);

  it('--format github prints each annotation once; json on stdout stays one JSON object; junit --out puts them on stdout and a valid report in the file', async () => {
    const base = ['check', CERTCTL, '--runner', 'rerun-all', '--checks', 'twice'];
    const github = await migtest([...base, '--format', 'github'], { env: GITHUB });
    expect(github.code).toBe(1);
    const once = annotationsOf(github.stdout);
    expect(once).toHaveLength(1);
    expect(once[0]).toMatch(/^::error file=migrations-under-test\/certctl-double-run\/broken\/000004_certificate_constraints\.up\.sql,line=2,/);

    const json = await migtest([...base, '--format', 'json'], { env: GITHUB });
    expect(json.code).toBe(1);
    expect(annotationsOf(json.stdout)).toEqual([]);
    expect((JSON.parse(json.stdout) as { ok: boolean }).ok).toBe(false);

    const out = join(scratch, 'junit.xml');
    const junit = await migtest([...base, '--format', 'junit', '--out', out], { env: GITHUB });
    expect(junit.code).toBe(1);
    expect(annotationsOf(junit.stdout)).toEqual(once);
    const xml = readFileSync(out, 'utf8');
    expect(await junitSchemaErrors(xml)).toEqual([]);
    expect(xml).toContain(`name="twice · PostgreSQL 17 · ${CERTCTL}/000004_certificate_constraints.up.sql" file="${CERTCTL}/000004_certificate_constraints.up.sql" line="2"`);
    expect(xml).not.toContain('\r');
  }, 180_000);

  it('lint takes --format text, json, junit and github; annotations come by themselves only under GITHUB_ACTIONS and only beside text', async () => {
    const lint = (format: string, env: NodeJS.ProcessEnv = {}) => migtest(['lint', FORCE, ...MULTI, '--format', format], { env });
    const [text, textCi, json, jsonCi, junit, github] = await Promise.all([
      lint('text'),
      lint('text', GITHUB),
      lint('json'),
      lint('json', GITHUB),
      lint('junit', GITHUB),
      lint('github'),
    ]);
    for (const r of [text, textCi, json, jsonCi, junit, github]) expect(r.code).toBe(1);
    expect(annotationsOf(text.stdout)).toEqual([]);
    expect(text.stdout).toContain('FAIL 2 lint findings (create-if-not-exists, insert-without-on-conflict)');
    // The same two annotations, whether asked for or given by themselves beside the text.
    const asked = annotationsOf(github.stdout);
    expect(asked.map((a) => a.slice(0, a.indexOf('::', 2)))).toEqual([
      `::error file=${FORCE_FILE},line=2,col=1,title=migtest lint · create-if-not-exists`,
      `::error file=${FORCE_FILE},line=3,col=1,title=migtest lint · insert-without-on-conflict`,
    ]);
    expect(github.stdout).toContain(`migtest: FAIL 1 of 1 checks failed, 2 findings (${FORCE}, runner golang-migrate)`);
    expect(annotationsOf(textCi.stdout)).toEqual(asked);
    expect(textCi.stdout.startsWith(text.stdout.split('\n')[0]!)).toBe(true);
    for (const r of [json, jsonCi]) {
      const report = JSON.parse(r.stdout) as { checks: { name: string; findings: unknown[] }[] };
      expect(report.checks.map((c) => [c.name, c.findings.length])).toEqual([['lint', 2]]);
    }
    expect(annotationsOf(junit.stdout)).toEqual([]);
    expect(await junitSchemaErrors(junit.stdout)).toEqual([]);
    expect(junit.stdout).toContain(`<testcase classname="migtest.lint" name="lint · ${FORCE_FILE}" file="${FORCE_FILE}" line="2"`);
  }, 120_000);

  it('migtest run prints no annotations: a scenario\'s findings are predictions, and its JSON stays one object', async () => {
    const result = await migtest(['run', 'scenarios/schema-drift.json', '--format', 'json'], { env: GITHUB });
    expect(result.code).toBe(0);
    expect(annotationsOf(result.stdout)).toEqual([]);
    expect((JSON.parse(result.stdout) as { ok: boolean }).ok).toBe(true);
  }, 180_000);

  it('lint refuses a format it does not know, and a log,file pair without --out, as check does', async () => {
    const unknown = await migtest(['lint', FORCE, ...MULTI, '--format', 'sarif']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--format takes text, json, junit, github, not 'sarif'");
    const pair = await migtest(['lint', FORCE, ...MULTI, '--format', 'github,junit']);
    expect(pair.code).toBe(2);
    expect(pair.stderr).toContain('e.g. --format github,junit --out junit.xml');
  });
});
