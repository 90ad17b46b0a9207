import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty, toGithub, workspacePath } from '../../src/report/github.js';
import { AT_STATEMENT, handMadeReport, WITHOUT_FILE } from './report-fixtures.js';

/** What the runner does with a workflow command: split it, and undo the escapes. */
function unescape(s: string): string {
  return s.replaceAll('%0A', '\n').replaceAll('%0D', '\r').replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%25', '%');
}

function readCommand(line: string): { command: string; properties: Record<string, string>; message: string } {
  const match = /^::(\w+)(?: ([^:]*))?::(.*)$/.exec(line);
  expect(match, line).not.toBeNull();
  const properties = Object.fromEntries(
    (match![2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((p) => {
        const [k, ...v] = p.split('=');
        return [k!, unescape(v.join('='))];
      }),
  );
  return { command: match![1]!, properties, message: unescape(match![3]!) };
}

describe('github reporter', () => {
  const report = handMadeReport();
  const lines = toGithub(report).trimEnd().split('\n');

  it('writes an ::error on the file, line and column of a finding, titled with the check and PostgreSQL version', () => {
    const command = readCommand(lines[0]!);
    expect(command.command).toBe('error');
    expect(command.properties).toEqual({
      file: 'sets/a,b/000004_x:y.up.sql',
      line: '2',
      col: '5',
      title: 'migtest fault · PostgreSQL 17 shard 2/4 · 42710',
    });
    expect(command.message).toBe(`${AT_STATEMENT.message}\nhint: ${AT_STATEMENT.hint}\nreproduce: ${AT_STATEMENT.reproduce}`);
  });

  it('escapes %, CR and LF in the message, and also : and , in properties, so one command stays one line', () => {
    expect(lines[0]).toContain('file=sets/a%2Cb/000004_x%3Ay.up.sql,line=2,col=5,title=migtest fault · PostgreSQL 17 shard 2/4 · 42710::');
    expect(lines[0]).toContain('100%25 sure <really> & \'quoted\'%0D%0Asecond line%0Ahint: guard it: IF NOT EXISTS, then%0Are-run');
    expect(escapeData('50%\r\n:,')).toBe('50%25%0D%0A:,');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('writes an ::error with a title only for a finding without a file', () => {
    const command = readCommand(lines[1]!);
    expect(lines[1]!.startsWith('::error title=')).toBe(true);
    expect(command.properties).toEqual({ title: 'migtest fault · PostgreSQL 17 shard 2/4' });
    expect(command.message).toBe(`${WITHOUT_FILE.message}\nreproduce: ${WITHOUT_FILE.reproduce}`);
  });

  it('follows the annotations with a plain line per check and a summary naming versions and shard', () => {
    expect(lines.slice(2)).toEqual([
      'ok   fresh pg 17: 1 case',
      'FAIL fault pg 17: 22 cases, 2 findings',
      'skip resume pg 17: 0 cases (skipped: none of the 22 cases falls on shard 2/4 & <more>)',
      'ok   fault pg 16: 22 cases',
      'migtest: FAIL 1 of 4 checks failed, 2 findings, 1 skipped (sets/a,b, runner rerun-all, PostgreSQL 17.10, 16.14, shard 2/4)',
    ]);
  });

  it('says PASS when every check passed, without a shard when unsharded', () => {
    const passed = handMadeReport();
    passed.ok = true;
    delete passed.shard;
    passed.checks = passed.checks.filter((c) => c.status === 'pass');
    expect(toGithub(passed)).toBe(
      'ok   fresh pg 17: 1 case\nok   fault pg 16: 22 cases\nmigtest: PASS 2 checks passed (sets/a,b, runner rerun-all, PostgreSQL 17.10, 16.14)\n',
    );
    expect(annotation(passed, passed.checks[0]!, AT_STATEMENT)).toContain('title=migtest fresh · PostgreSQL 17 · 42710::');
  });
});

describe('annotation paths', () => {
  it('are taken from the repository root when GitHub gives it, also when migtest runs in a subfolder', () => {
    expect(workspacePath('db/migrations/0001.up.sql', '/home/runner/work/app', '/home/runner/work/app/services/api')).toBe(
      'services/api/db/migrations/0001.up.sql',
    );
    expect(workspacePath('db/0001.up.sql', '/home/runner/work/app', '/home/runner/work/app')).toBe('db/0001.up.sql');
    // Outside the workspace, or with no workspace, the path stays as the finding gives it.
    expect(workspacePath('/tmp/set/0001.up.sql', '/home/runner/work/app', '/home/runner/work/app')).toBe('/tmp/set/0001.up.sql');
    expect(workspacePath('db/0001.up.sql', undefined, '/somewhere')).toBe('db/0001.up.sql');
  });
});
