import { describe, expect, it } from 'vitest';
import { argumentIn, pathIn } from '../../src/checks/paths.js';
import type { Finding, RunReport } from '../../src/checks/types.js';
import { argumentPath, displayPath, displayRecord, displayReport, displayText } from '../../src/report/paths.js';

const CWD = '/home/dev/app';

describe('the display rule', () => {
  it('shows a path inside the directory relative to it, and any other path absolute', () => {
    expect(displayPath('/home/dev/app/db/1.sql', CWD)).toBe('db/1.sql');
    expect(displayPath('/home/dev/app', CWD)).toBe('.');
    expect(displayPath('/home/dev/other/1.sql', CWD)).toBe('/home/dev/other/1.sql');
    // A sibling whose name starts like the directory's is outside it.
    expect(displayPath('/home/dev/app2/1.sql', CWD)).toBe('/home/dev/app2/1.sql');
    // A name that starts with two dots is inside.
    expect(displayPath('/home/dev/app/..sets/1.sql', CWD)).toBe('..sets/1.sql');
  });

  it('writes ./ before an argument that would read as an option', () => {
    expect(argumentPath('/home/dev/app/-sets/a', CWD)).toBe('./-sets/a');
    expect(argumentPath('/home/dev/app/sets/-a', CWD)).toBe('sets/-a');
    expect(argumentPath('/-root', CWD)).toBe('/-root');
  });
});

describe('marked paths in texts', () => {
  it('renders each marker by its kind, and leaves the text around it as it is', () => {
    const text = `the next run fails at ${pathIn('/home/dev/app/db/2.sql')}:2:1, written by ${pathIn('/elsewhere/3.sql')}:7:5`;
    expect(displayText(text, CWD)).toBe('the next run fails at db/2.sql:2:1, written by /elsewhere/3.sql:7:5');
    expect(displayText(text, '/home/dev/app/db')).toBe('the next run fails at 2.sql:2:1, written by /elsewhere/3.sql:7:5');
  });

  it('quotes an argument for a POSIX shell once it is shown', () => {
    expect(displayText(`npx migtest check ${argumentIn('/home/dev/app/my sets/a')} --runner codd`, CWD)).toBe("npx migtest check 'my sets/a' --runner codd");
    expect(displayText(`npx migtest check ${argumentIn('/home/dev/app/-a')}`, CWD)).toBe('npx migtest check ./-a');
    expect(displayText(`npx migtest check ${argumentIn("/home/dev/app/it's")}`, CWD)).toBe("npx migtest check 'it'\\''s'");
  });

  it('leaves a text without markers alone, whatever it holds', () => {
    const plain = 'column "a:b" of relation /x/y.sql does not exist';
    expect(displayText(plain, CWD)).toBe(plain);
  });
});

describe('reports shown from a directory', () => {
  const finding: Finding = {
    check: 'fault',
    file: '/home/dev/app/db/1.sql',
    line: 3,
    column: 1,
    statement: 'INSERT INTO t VALUES (1)',
    sqlstate: '23505',
    message: `fault error: the next run fails at ${pathIn('/home/dev/app/db/2.sql')}:4:1: duplicate key`,
    detail: null,
    hint: `see ${pathIn('/home/dev/app/db/2.sql')}`,
    diff: null,
    reproduce: `npx migtest check ${argumentIn('/home/dev/app/db')} --runner rerun-all`,
    case: { fault: 'error', point: { file: '/home/dev/app/db/1.sql', line: 3 }, faults: [{ file: '/tmp/x.sql' }] },
    blame: { file: '/home/dev/app/db/2.sql', line: 4 },
    cause: { file: '/home/dev/app/db/2.sql', line: 4, sqlstate: '23505', message: `a retry failed at ${pathIn('/home/dev/app/db/2.sql')}:4:1`, diff: null },
  };
  const report: RunReport = {
    ok: false,
    tool: 'migtest',
    version: '0',
    set: '/home/dev/app/db',
    runner: 'rerun-all',
    postgres: ['17.5'],
    checks: [
      {
        name: 'fault',
        postgres: '17',
        status: 'fail',
        cases: 4,
        durationMs: 1,
        findings: [finding],
        reason: `${pathIn('/home/dev/app/expected/pg17')} does not exist`,
        notes: [{ check: 'fault', file: '/home/dev/app/db/1.sql', message: `m ${pathIn('/home/dev/app/db/1.sql')}`, action: `fix ${pathIn('/home/dev/app/db/1.sql')}` }],
        details: { ackLost: [{ migration: '1', file: '/home/dev/app/db/1.sql' }], label: `at ${pathIn('/home/dev/app/db/1.sql')}` },
      },
    ],
  };

  it('shows the set, findings, notes, reasons, case and details fields, and reproduce commands from the directory', () => {
    const shown = displayReport(report, '/home/dev');
    expect(shown.set).toBe('app/db');
    const check = shown.checks[0]!;
    const f = check.findings[0]!;
    expect(f.file).toBe('app/db/1.sql');
    expect(f.message).toBe('fault error: the next run fails at app/db/2.sql:4:1: duplicate key');
    expect(f.hint).toBe('see app/db/2.sql');
    expect(f.reproduce).toBe('npx migtest check app/db --runner rerun-all');
    expect(f.case).toEqual({ fault: 'error', point: { file: 'app/db/1.sql', line: 3 }, faults: [{ file: '/tmp/x.sql' }] });
    expect(check.reason).toBe('app/expected/pg17 does not exist');
    expect(check.notes).toEqual([{ check: 'fault', file: 'app/db/1.sql', message: 'm app/db/1.sql', action: 'fix app/db/1.sql' }]);
    expect(check.details).toEqual({ ackLost: [{ migration: '1', file: 'app/db/1.sql' }], label: 'at app/db/1.sql' });
    expect(f.blame).toEqual({ file: 'app/db/2.sql', line: 4 });
    expect(f.cause).toEqual({ ...finding.cause, file: 'app/db/2.sql', message: 'a retry failed at app/db/2.sql:4:1' });
    // Nothing shown keeps a marker.
    expect(JSON.stringify(shown)).not.toContain('\\u0000');
  });

  it('leaves the report it shows as it was', () => {
    const before = JSON.stringify(report);
    displayReport(report, '/');
    expect(JSON.stringify(report)).toBe(before);
    expect(displayRecord({ file: 'relative/x.sql' }, CWD)).toEqual({ file: 'relative/x.sql' });
  });
});
