import { beforeAll, describe, expect, it } from 'vitest';
import { failedRun } from '../../src/checks/tool/populated.js';
import type { ToolRun } from '../../src/checks/tool/states.js';
import { atTheLimits, failedTrace } from '../../src/checks/populated/verdict.js';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import type { Block, Trace } from '../../src/runners/types.js';

/*
 * The one verdict check populated gives a failure over generated rows, read from a runner model's
 * trace and from a real tool's run alike: overflow outside a type change is the generator's
 * extreme values, not the migration's defect.
 */

beforeAll(initParser);

const failing = (sql: string, sqlstate: string): Trace => ({
  blocks: [],
  ok: false,
  failure: { block: {} as Block, statement: splitStatements(sql, { file: 'x.sql' })[0]!, error: { sqlstate, message: 'm' } as never },
});

const toolRun = (text: string, completed: number, sqlstate: string): ToolRun =>
  ({
    ok: false,
    result: {} as never,
    boundaries: [],
    faults: [],
    errors: [{ sqlstate, message: 'm', injected: false, completed, boundary: { index: 1, connection: 1, kind: 'query', text } }],
  }) as ToolRun;

describe('populated verdict: at the limits', () => {
  it('overflow from arithmetic is not a finding; from a type change it is; other errors always are', () => {
    expect(atTheLimits({ sqlstate: '22003', kind: 'UpdateStmt' })).toBe(true);
    expect(atTheLimits({ sqlstate: '22008', kind: 'InsertStmt' })).toBe(true);
    expect(atTheLimits({ sqlstate: '22015', kind: undefined })).toBe(true);
    expect(atTheLimits({ sqlstate: '22003', kind: 'AlterTableStmt' })).toBe(false);
    expect(atTheLimits({ sqlstate: '23502', kind: 'UpdateStmt' })).toBe(false);
    expect(atTheLimits(undefined)).toBe(false);
  });

  it('a runner model\'s trace: the statement it stopped at', () => {
    expect(failedTrace(failing('UPDATE prices SET cents = cents * 2', '22003'))).toEqual({ sqlstate: '22003', kind: 'UpdateStmt' });
    expect(atTheLimits(failedTrace(failing('ALTER TABLE prices ALTER COLUMN total TYPE integer', '22003')))).toBe(false);
    expect(failedTrace({ blocks: [], ok: true })).toBeUndefined();
  });

  it('a real tool\'s run: the statement of the string it sent that the server stopped at', () => {
    const file = 'UPDATE prices SET doubled = cents * 2;\nALTER TABLE prices ALTER COLUMN total TYPE integer;\n';
    expect(failedRun(toolRun(file, 0, '22003'))).toEqual({ sqlstate: '22003', kind: 'UpdateStmt' });
    expect(atTheLimits(failedRun(toolRun(file, 0, '22003')))).toBe(true);
    expect(failedRun(toolRun(file, 1, '22003'))).toEqual({ sqlstate: '22003', kind: 'AlterTableStmt' });
    expect(atTheLimits(failedRun(toolRun(file, 1, '22003')))).toBe(false);
    const injected = toolRun(file, 0, '57P01');
    injected.errors[0]!.injected = true;
    expect(failedRun(injected)).toBeUndefined();
  });
});
