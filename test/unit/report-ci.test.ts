import { describe, expect, it } from 'vitest';
import { ciAnnotations, stdoutFormat, type OutputChoice } from '../../src/report/ci.js';
import { escapeData, escapeProperty } from '../../src/report/github.js';
import { handMadeReport, notesReport } from './report-fixtures.js';

const GITHUB = { GITHUB_ACTIONS: 'true' };

describe('annotations under GitHub Actions without --format github', () => {
  const report = notesReport();
  const lines = (output: OutputChoice, env: Record<string, string | undefined> = GITHUB): string[] =>
    ciAnnotations(report, output, env, process.cwd()).split('\n').filter(Boolean);

  it('come after a text log and on an empty stdout: ::error per finding, ::warning per note', () => {
    for (const output of [{ format: 'text' }, { format: 'text', out: 'r.txt' }, { format: 'junit', out: 'j.xml' }, { format: 'json', out: 'r.json', stdout: 'text' }] as OutputChoice[]) {
      const printed = lines(output);
      expect(printed.filter((l) => l.startsWith('::error '))).toHaveLength(2);
      expect(printed.filter((l) => l.startsWith('::warning '))).toHaveLength(2);
      expect(printed).toHaveLength(4);
    }
  });

  it('never twice beside --format github, never inside json or junit on stdout, never outside GitHub Actions', () => {
    for (const output of [{ format: 'github' }, { format: 'junit', out: 'j.xml', stdout: 'github' }, { format: 'json' }, { format: 'junit' }] as OutputChoice[]) {
      expect(lines(output)).toEqual([]);
    }
    expect(lines({ format: 'text' }, {})).toEqual([]);
    expect(lines({ format: 'text', annotate: false })).toEqual([]);
    expect(lines({ format: 'text' }, { GITHUB_ACTIONS: 'false' })).toEqual([]);
  });

  it('says what stdout carries for each --format and --out', () => {
    expect(stdoutFormat({ format: 'text' })).toBe('text');
    expect(stdoutFormat({ format: 'json' })).toBe('json');
    expect(stdoutFormat({ format: 'junit', out: 'x' })).toBe('nothing');
    expect(stdoutFormat({ format: 'junit', out: 'x', stdout: 'github' })).toBe('github');
  });

  it('escapes as GitHub reads workflow commands: %, CR, LF in data; also : and , in properties', () => {
    expect(escapeData('100% a\r\nb')).toBe('100%25 a%0D%0Ab');
    expect(escapeProperty('sets/a,b/x:y.sql')).toBe('sets/a%2Cb/x%3Ay.sql');
    const printed = ciAnnotations(handMadeReport(), { format: 'text' }, GITHUB, process.cwd());
    expect(printed).toContain('::error file=sets/a%2Cb/000004_x%3Ay.up.sql,line=2,col=5,');
    // One line per annotation: no raw line break inside a command.
    expect(printed.trimEnd().split('\n').every((l) => l.startsWith('::'))).toBe(true);
  });
});
