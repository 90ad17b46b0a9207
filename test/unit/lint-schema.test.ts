import { describe, expect, it } from 'vitest';
import { buildContext } from '../../src/lint/context.js';
import type { SchemaState } from '../../src/lint/schema/state.js';
import type { LintContext, LintStatement } from '../../src/lint/types.js';
import { runnerModel } from '../../src/runners/registry.js';
import { memorySet, type Options } from './lint-set.js';

async function contextOf(files: Record<string, string>, runner = 'rerun-all', options: Options = {}): Promise<LintContext> {
  const set = await memorySet(files, runner, options);
  const model = runnerModel(runner);
  return buildContext(set, model, model.plan(set, options.runnerOptions ?? {}), options.runnerOptions ?? {});
}

/** The statement at `file:line`. */
function at(context: LintContext, place: string): LintStatement {
  const [file, line] = place.split(':');
  const found = context.statements.find((s) => s.migration.name.replace(/\.(up\.)?sql$/, '') === file && s.statement.line === Number(line));
  if (!found) throw new Error(`no statement at ${place}`);
  return found;
}

/** A table as a short text: presence, run, columns, constraints; `?` when unknown to the model. */
function table(state: SchemaState, name: string): string {
  const presence = state.presence(`relation:public.${name}`);
  const shape = state.table(`public.${name}`);
  if (presence !== 'present' || !shape) return presence;
  if (shape.opaque) return `present run${shape.run} ?`;
  return `present run${shape.run} (${[...shape.columns.keys()].join(', ')}) [${[...shape.constraints.keys()].join(', ')}]`;
}

describe('lint schema model: the state each run finds before a statement', () => {
  it('rerun-all: the second run finds the whole set, then the files before again', async () => {
    const context = await contextOf({
      '001.up.sql': 'CREATE TABLE IF NOT EXISTS t (a int, b int);\nCOMMENT ON COLUMN t.a IS \'x\';\nCREATE TABLE IF NOT EXISTS gone (id int);\nINSERT INTO gone VALUES (1);',
      '002.up.sql': 'ALTER TABLE t RENAME COLUMN a TO c;\nALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);\nDROP TABLE gone;',
    });
    const comment = at(context, '001:2');
    expect(table(context.schema.first(comment), 't')).toBe('present run1 (a, b) []');
    const [again] = context.schema.again(comment);
    expect(table(again!, 't')).toBe('present run1 (c, b) [t_b_check]');
    expect(again!.table('public.t')!.removals.map((r) => `${r.column}→${r.to} by ${r.by.migration.name}:${r.by.statement.line}`)).toEqual(['a→c by 002.up.sql:1']);
    expect(table(context.schema.again(at(context, '001:4'))[0]!, 'gone')).toBe('present run2 (id) []');
    expect(context.schema.again(at(context, '001:4'))[0]!.fresh('relation:public.gone')).toBe(true);
    expect(table(context.schema.atEnd(), 'gone')).toBe('absent');
  });

  it('a statement that can run again after a partial apply: where the first run stopped, then its migration again; later migrations never ran', async () => {
    const file = '2024-01-01-00-00-01-b.sql';
    const context = await contextOf(
      {
        '2024-01-01-00-00-00-a.sql': 'CREATE TABLE t (a int);',
        [file]: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS b int;\nALTER TABLE t RENAME COLUMN a TO c;\nCREATE TABLE u (id int);',
        '2024-01-01-00-00-02-c.sql': 'DROP TABLE t;',
      },
      'codd',
      { directives: { [file]: { 'no-txn': true } } },
    );
    const states = context.schema.again(at(context, `${file.replace('.sql', '')}:2`));
    // Stopped right after the rename's own commit, or after the migration's last statement.
    expect(states.map((s) => `${table(s, 't')} / u ${s.presence('relation:public.u')}`)).toEqual(['present run1 (c, b) [] / u absent', 'present run1 (c, b) [] / u present']);
    expect(context.schema.again(at(context, '2024-01-01-00-00-00-a:1'))).toEqual([]);
  });

  it('reads a DO block: unconditional statements apply, a guard it can evaluate picks the branch, an undecided one leaves the table unknown', async () => {
    const context = await contextOf({
      '001.up.sql': [
        'CREATE TABLE IF NOT EXISTS t (a int);',
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_a_check') THEN ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0); END IF; END $$;",
        "DO $$ BEGIN IF to_regclass('public.u') IS NULL THEN CREATE TABLE u (id int); END IF; ALTER TABLE t ADD COLUMN IF NOT EXISTS b int; END $$;",
        'CREATE TABLE IF NOT EXISTS v (x int);',
        "DO $$ BEGIN IF (SELECT count(*) FROM t) > 0 THEN ALTER TABLE v ADD COLUMN y int; END IF; END $$;",
        'SELECT 1;',
      ].join('\n'),
    });
    const end = context.schema.first(at(context, '001:6'));
    expect(table(end, 't')).toBe('present run1 (a, b) [t_a_check]');
    expect(table(end, 'u')).toBe('present run1 (id) []');
    expect(table(end, 'v')).toBe('present run1 ?');
    // The second run: the guards find what the first run made, and skip their branches.
    const again = context.schema.again(at(context, '001:6'))[0]!;
    expect(table(again, 't')).toBe('present run1 (a, b) [t_a_check]');
    expect(table(again, 'u')).toBe('present run1 (id) []');
  });

  it('tracks what goes with a dropped table and what a DROP … CASCADE takes', async () => {
    const context = await contextOf({
      '001.up.sql': [
        'CREATE TABLE p (id serial PRIMARY KEY);',
        'CREATE TABLE c (id int, p_id int REFERENCES p (id));',
        'CREATE INDEX c_p_idx ON c (p_id);',
        "CREATE TYPE mood AS ENUM ('ok');",
        'ALTER TABLE c ADD COLUMN m mood;',
        'DROP TABLE p CASCADE;',
        'DROP TYPE mood CASCADE;',
        'SELECT 1;',
      ].join('\n'),
    });
    const end = context.schema.first(at(context, '001:8'));
    expect(end.presence('relation:public.p_id_seq')).toBe('absent');
    expect(table(end, 'c')).toBe('present run1 (id, p_id) []');
    expect(end.presence('relation:public.c_p_idx')).toBe('present');
  });

  it('forgets what a statement it cannot read may have changed', async () => {
    const context = await contextOf({ '001.up.sql': "CREATE TABLE t (a int);\nDO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;\nSELECT 1;" });
    expect(table(context.schema.first(at(context, '001:3')), 't')).toBe('unknown');
  });
});
