// The files runner model's options and plan: pure, no server.
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../src/lint/context.js';
import { InputError } from '../../src/migrations/types.js';
import { files } from '../../src/runners/files/model.js';
import { settingsOf } from '../../src/runners/files/settings.js';
import { trackerOf } from '../../src/runners/tracker.js';
import { skipReason } from '../../src/checks/applies.js';
import { migrationOf, where as retryWhere } from '../../src/checks/retry/cases.js';
import { lint, memorySet, where } from './lint-set.js';

const SET = { '000001_plans.up.sql': 'CREATE TABLE IF NOT EXISTS plans (code text PRIMARY KEY);', '000002_seed.up.sql': "INSERT INTO plans VALUES ('free');\nSELECT 1;" };

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('not refused');
}

describe('files: runner options', () => {
  it('defaults: public.schema_migrations keyed by file name, row after the file, no transaction of its own, no lock', () => {
    expect(settingsOf({})).toEqual({ tracker: { schema: 'public', table: 'schema_migrations' }, key: 'filename', record: 'after-file', transaction: 'none', lock: null });
    expect(settingsOf({ record: 'with-file' }).transaction).toBe('per-file');
    expect(settingsOf({ tracker: 'Ops.Applied' }).tracker).toEqual({ schema: 'ops', table: 'applied' });
    expect(settingsOf({ tracker: 'none' }).tracker).toBeNull();
    expect(settingsOf({ lock: 'advisory' }).lock).toBe(0n);
    expect(settingsOf({ lock: 'advisory', 'lock-key': '-9223372036854775808' }).lock).toBe(-(2n ** 63n));
  });

  it('refuses unknown options, bad values and combinations that mean nothing, each with a fix', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ trackr: 'x' }, /unknown runner option 'trackr'/],
      [{ tracker: 'a.b.c' }, /tracker=a\.b\.c is not a table name/],
      [{ tracker: 'drop table x' }, /not a table name/],
      [{ key: 'hash' }, /key=hash is not one of filename, version/],
      [{ record: 'before-file' }, /record=before-file/],
      [{ lock: 'table' }, /lock=table/],
      [{ transaction: 'all' }, /transaction=all/],
      [{ lock: 'advisory', 'lock-key': '9223372036854775808' }, /lock-key=9223372036854775808 is not a bigint/],
      [{ lock: 'advisory', 'lock-key': '12abc' }, /is not a bigint/],
      [{ 'lock-key': '1' }, /lock-key=1 needs lock=advisory/],
      [{ tracker: 'none', record: 'with-file' }, /record=with-file needs a tracker/],
      [{ tracker: 'none', key: 'version' }, /key=version needs a tracker/],
      [{ record: 'with-file', transaction: 'none' }, /contradict/],
    ];
    for (const [options, message] of cases) {
      const error = refusal(() => settingsOf(options));
      expect(error.message).toMatch(message);
      expect(error.fix).toBeTruthy();
    }
  });

  it('key=version: a file without a leading number, or two files with one number, is refused naming the file', async () => {
    const unnumbered = await memorySet({ '000001_a.up.sql': 'SELECT 1;', 'seed.up.sql': 'SELECT 2;' }, 'files');
    const error = refusal(() => files.plan(unnumbered, { key: 'version' }));
    expect(error.message).toContain('seed.up.sql has no leading number');
    expect(error.file).toBe('/sets/example/seed.up.sql');
    expect(() => files.plan(unnumbered, {})).not.toThrow();
    const twins = await memorySet({ '0001_a.up.sql': 'SELECT 1;', '0001_b.up.sql': 'SELECT 2;' }, 'files');
    const twin = refusal(() => files.plan(twins, { key: 'version' }));
    expect(twin.message).toContain("same key '0001'");
    expect(twin.file).toBe('/sets/example/0001_b.up.sql');
  });
});

describe('files: the plan', () => {
  it('after-file: a block per file, then a block of its own for its row; keys by name or leading number', async () => {
    const set = await memorySet(SET, 'files');
    const plan = files.plan(set, {});
    expect(plan.blocks.map((b) => [b.index, b.rule, b.statements.length, b.record?.name ?? b.migrations[0]!.name])).toEqual([
      [0, 'no-txn', 1, '000001_plans.up.sql'],
      [1, 'no-txn', 0, '000001_plans.up.sql'],
      [2, 'script', 2, '000002_seed.up.sql'],
      [3, 'no-txn', 0, '000002_seed.up.sql'],
    ]);
    expect([...plan.keys.values()]).toEqual(['000001_plans.up.sql', '000002_seed.up.sql']);
    expect([...files.plan(set, { key: 'version' }).keys.values()]).toEqual(['000001', '000002']);
  });

  it('with-file and per-file: one in-txn block per file; tracker=none: no rows, no record blocks', async () => {
    const set = await memorySet(SET, 'files');
    expect(files.plan(set, { record: 'with-file' }).blocks.map((b) => b.rule)).toEqual(['in-txn', 'in-txn']);
    expect(files.plan(set, { transaction: 'per-file' }).blocks.map((b) => b.rule)).toEqual(['in-txn', 'no-txn', 'in-txn', 'no-txn']);
    const none = files.plan(set, { tracker: 'none' });
    expect(none.blocks.map((b) => b.rule)).toEqual(['no-txn', 'script']);
    expect(none.keys.size).toBe(0);
  });

  it('the plan says which tracker its runs keep: applied_at is volatile; none under tracker=none, so twice runs', async () => {
    const set = await memorySet(SET, 'files');
    expect(trackerOf(files, files.plan(set, { tracker: 'ops.applied' }))).toEqual({ schema: 'ops', table: 'applied', volatile: ['applied_at'] });
    const none = files.plan(set, { tracker: 'none' });
    expect(trackerOf(files, none)).toBeUndefined();
    expect(skipReason('twice', files, none)).toBeUndefined();
    expect(skipReason('twice', files, files.plan(set, {}))).toMatch(/public\.schema_migrations/);
  });
});

describe('files: how checks name the gap between a file and its row', () => {
  it('a fault in a record block is after the file ran and before its row, and belongs to that file', async () => {
    const set = await memorySet(SET, 'files');
    const row = files.plan(set, {}).blocks[3]!;
    expect(retryWhere(row, 0, false)).toBe('after 000002_seed.up.sql ran, before its tracker row (block 4)');
    expect(migrationOf(row, undefined)).toBe('000002_seed.up.sql');
  });
});

describe('files: what lint knows of a file running twice', () => {
  async function reruns(options: Record<string, string>): Promise<string[]> {
    const set = await memorySet(SET, 'files');
    const context = buildContext(set, files, files.plan(set, options), options);
    return context.statements.map((s) => `${s.statement.file.slice(s.statement.file.lastIndexOf('/') + 1)}:${s.statement.line} ${s.rerun ?? 'once'}`);
  }

  it('with-file: never; after-file: the file\'s last transaction, after a crash before its row; tracker=none: at every start', async () => {
    expect(await reruns({ record: 'with-file' })).toEqual(['000001_plans.up.sql:1 once', '000002_seed.up.sql:1 once', '000002_seed.up.sql:2 once']);
    expect(await reruns({ record: 'after-file' })).toEqual([
      '000001_plans.up.sql:1 after-partial-apply',
      '000002_seed.up.sql:1 after-partial-apply',
      '000002_seed.up.sql:2 after-partial-apply',
    ]);
    expect(await reruns({ tracker: 'none' })).toEqual(['000001_plans.up.sql:1 every-run', '000002_seed.up.sql:1 every-run', '000002_seed.up.sql:2 every-run']);
    // BEGIN/COMMIT around the file does not take the row in: it still comes after the COMMIT.
    expect(await reruns({ transaction: 'per-file' })).toEqual([
      '000001_plans.up.sql:1 after-partial-apply',
      '000002_seed.up.sql:1 after-partial-apply',
      '000002_seed.up.sql:2 after-partial-apply',
    ]);
  });

  it('a seed INSERT without ON CONFLICT is flagged under after-file and tracker=none, not under with-file', async () => {
    const flagged = ['insert-without-on-conflict 000002_seed.up.sql:1'];
    expect(where(await lint(SET, 'files', { runnerOptions: { record: 'after-file' } }))).toEqual(flagged);
    expect(where(await lint(SET, 'files', { runnerOptions: { tracker: 'none' } }))).toEqual(flagged);
    expect(where(await lint(SET, 'files', { runnerOptions: { record: 'with-file' } }))).toEqual([]);
    const message = (await lint(SET, 'files', { runnerOptions: {} }))[0]!.message;
    expect(message).toContain('record=after-file');
  });
});
