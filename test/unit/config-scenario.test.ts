import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/config/scenario.js';
import { compareNotes, comparePrediction } from '../../src/cli/scenario.js';
import type { Finding, Note } from '../../src/checks/types.js';

const dir = mkdtempSync(join(tmpdir(), 'migtest-scenarios-'));
mkdirSync(join(dir, 'set'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, text);
  return join(dir, name);
}

function error(fn: () => unknown): { message: string; line?: number; file?: string } {
  try {
    fn();
  } catch (e) {
    return e as { message: string; line?: number; file?: string };
  }
  throw new Error('expected an error');
}

const valid = {
  name: 'x',
  story: 'y',
  runner: 'rerun-all',
  checks: ['fresh', 'twice'],
  sets: { broken: { path: 'set', expect: [{ check: 'twice', sqlstate: '42710' }] } },
};

describe('scenario files', () => {
  it('loads a valid scenario, with PostgreSQL 17 by default and the name resolved without .json', () => {
    const scenario = loadScenario(write('ok', JSON.stringify(valid, null, 2)));
    expect(scenario.postgres).toEqual([17]);
    expect(scenario.sets.broken!.expect).toEqual([{ check: 'twice', sqlstate: '42710' }]);
  });

  it('names the file, line and field of a bad value', () => {
    const bad = { ...valid, sets: { broken: { path: 'set', expect: [{ check: 'twice', sqlstate: '4271' }] } } };
    const e = error(() => loadScenario(write('bad-sqlstate', JSON.stringify(bad, null, 2))));
    expect(e.message).toBe('sets.broken.expect[0].sqlstate: a SQLSTATE has five characters, e.g. 42710');
    expect(e.file).toMatch(/bad-sqlstate\.json$/);
    expect(e.line).toBe(15);
  });

  it('refuses unknown fields, unknown checks, a missing set folder and broken JSON', () => {
    expect(error(() => loadScenario(write('extra', JSON.stringify({ ...valid, runs: 3 })))).message).toMatch(/runs/);
    expect(error(() => loadScenario(write('check', JSON.stringify({ ...valid, checks: ['often'] })))).message).toMatch(/^checks\[0\]/);
    const missing = { ...valid, sets: { broken: { path: 'nope', expect: [] } } };
    expect(error(() => loadScenario(write('missing', JSON.stringify(missing)))).message).toBe("set 'broken': no folder nope");
    const syntax = error(() => loadScenario(write('syntax', '{\n  "name": "x",\n  oops\n}')));
    expect(syntax.message).toMatch(/^not valid JSON/);
    expect(syntax.line).toBe(3);
    expect(error(() => loadScenario(join(dir, 'absent'))).message).toMatch(/no scenario file/);
  });
});

describe('predictions', () => {
  const finding = (over: Partial<Finding>): Finding => ({
    check: 'twice', file: 'a/000004_x.up.sql', line: 2, column: 1, statement: 'ALTER TABLE t', sqlstate: '42710',
    message: 'constraint "c" already exists', hint: null, diff: null, reproduce: 'npx migtest …', ...over,
  });

  it('pairs predicted and found findings one to one', () => {
    expect(comparePrediction([{ check: 'twice', sqlstate: '42710', file: '000004_x.up.sql', line: 2 }], [finding({})])).toEqual({ missing: [], unexpected: [] });
    expect(comparePrediction([{ check: 'twice', sqlstate: '42P10' }], [finding({})])).toEqual({
      missing: [{ check: 'twice', sqlstate: '42P10' }],
      unexpected: [finding({})],
    });
    expect(comparePrediction([], [finding({})]).unexpected).toHaveLength(1);
  });

  it('pairs predicted and found notes one to one, by check, the end of the file and text of the message or action', () => {
    const note: Note = { check: 'fault', file: 'sets/x/000001_a.up.sql', message: 'Dirty database version 1. Fix and force version. …', action: 'look at what 000001_a left: none of it → `migrate force -1`' };
    expect(compareNotes([{ check: 'fault', file: '000001_a.up.sql', message: 'Dirty database version 1' }], [note])).toEqual({ missing: [], unexpected: [] });
    expect(compareNotes([{ check: 'fault', message: '`migrate force -1`' }], [note])).toEqual({ missing: [], unexpected: [] });
    expect(compareNotes([{ check: 'resume' }], [note])).toEqual({ missing: [{ check: 'resume' }], unexpected: [note] });
    expect(compareNotes([], [note]).unexpected).toEqual([note]);
  });

  it("reads a set's note predictions, and refuses a field they do not have", () => {
    const scenario = (notes: unknown): string =>
      write('notes', JSON.stringify({ name: 's', story: 's', runner: 'golang-migrate', checks: ['fault'], sets: { broken: { path: 'set', expect: [], notes } } }));
    expect(loadScenario(scenario([{ check: 'fault', file: '000001_a.up.sql' }])).sets.broken!.notes).toEqual([{ check: 'fault', file: '000001_a.up.sql' }]);
    expect(loadScenario(scenario(undefined)).sets.broken!.notes).toBeUndefined();
    expect(error(() => loadScenario(scenario([{ check: 'fault', line: 3 }]))).message).toMatch(/sets\.broken\.notes\[0\]/);
  });
});
