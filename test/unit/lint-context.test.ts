import { describe, expect, it } from 'vitest';
import { buildContext } from '../../src/lint/context.js';
import { runnerModel } from '../../src/runners/registry.js';
import { memorySet, type Options } from './lint-set.js';

/** `line: in-txn? rerun` for every statement, to read the placement at a glance. */
async function placement(files: Record<string, string>, runner: string, options: Options = {}): Promise<string[]> {
  const set = await memorySet(files, runner, options);
  const model = runnerModel(runner);
  const context = buildContext(set, model, model.plan(set, options.runnerOptions ?? {}), options.runnerOptions ?? {});
  return context.statements.map((s) => `${s.statement.line}: ${s.inTransactionBlock ? 'txn' : 'autocommit'} ${s.rerun ?? 'once'} t${s.transaction}`);
}

describe('lint context: the transaction each statement runs in, and whether it can run twice', () => {
  it('rerun-all: a multi-statement file is one implicit transaction, a one-statement file is not; everything runs at every start', async () => {
    expect(await placement({ '001.up.sql': 'SELECT 1;\nSELECT 2;', '002.up.sql': 'SELECT 3;' }, 'rerun-all')).toEqual([
      '1: txn every-run t1',
      '2: txn every-run t1',
      '1: autocommit every-run t3',
    ]);
  });

  it('a COMMIT inside a string starts a new implicit transaction with the next statement', async () => {
    expect(await placement({ '1_a.up.sql': 'BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nSELECT 3;' }, 'golang-migrate')).toEqual([
      '1: txn after-partial-apply t1',
      '2: txn after-partial-apply t1',
      '3: txn after-partial-apply t1',
      '4: txn once t2',
      '5: txn once t2',
    ]);
  });

  it('codd: in-txn migrations share one transaction and run once; a no-txn migration autocommits and can run twice', async () => {
    const files = { '2024-01-01-00-00-00-a.sql': 'SELECT 1;', '2024-01-01-00-00-01-b.sql': 'SELECT 2;', '2024-01-01-00-00-02-c.sql': 'SELECT 3;\nBEGIN;\nSELECT 4;\nCOMMIT;' };
    expect(await placement(files, 'codd', { directives: { '2024-01-01-00-00-02-c.sql': { 'no-txn': true } } })).toEqual([
      '1: txn once t1',
      '1: txn once t1',
      '1: autocommit after-partial-apply t3',
      '2: txn after-partial-apply t4',
      '3: txn after-partial-apply t4',
      '4: txn after-partial-apply t4',
    ]);
  });

  it('codd: an in-txn migration on another database is recorded later, so it can run twice', async () => {
    const directives = { '2024-01-01-00-00-00-a.sql': { 'connection-database': 'postgres', 'connection-key': 'k', connection: 'x' } };
    expect(await placement({ '2024-01-01-00-00-00-a.sql': 'SELECT 1;' }, 'codd', { directives })).toEqual(['1: txn after-partial-apply t1']);
  });

  it('dbmate: transactional migrations run once; transaction:false ones can run twice', async () => {
    const files = { '1_a.sql': 'SELECT 1;\nSELECT 2;', '2_b.sql': 'SELECT 3;', '3_c.sql': 'SELECT 4;\nSELECT 5;' };
    expect(await placement(files, 'dbmate', { directives: { '2_b.sql': { transaction: false }, '3_c.sql': { transaction: false } } })).toEqual([
      '1: txn once t1',
      '2: txn once t1',
      '1: autocommit after-partial-apply t3',
      '1: txn after-partial-apply t4',
      '2: txn after-partial-apply t4',
    ]);
  });

  it('golang-migrate multi-statement: each piece autocommits, and all but the last can run twice', async () => {
    expect(await placement({ '1_a.up.sql': 'SELECT 1;\nSELECT 2;' }, 'golang-migrate', { runnerOptions: { 'multi-statement': 'true' } })).toEqual([
      '1: autocommit after-partial-apply t2',
      '2: autocommit once t3',
    ]);
  });
});
