import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'insert-without-on-conflict';
const TEMPLATES = 'CREATE TABLE IF NOT EXISTS templates (event text NOT NULL, channel text NOT NULL, body text);';

describe(RULE, () => {
  it('flags a seed INSERT into a table with no unique key: a second run doubles the rows, with no error', async () => {
    const findings = of(await lint({ '001.up.sql': TEMPLATES, '002.up.sql': "INSERT INTO templates (event, channel, body) VALUES ('a', 'email', 'x');" }), RULE);
    expect(where(findings)).toEqual([`${RULE} 002.up.sql:1`]);
    expect(findings[0]!.message).toContain('which has no unique key: when it runs again it succeeds and adds the same rows a second time');
    expect(findings[0]!.case?.expects).toBeUndefined();
  });

  it('says a second run fails with 23505 when the table has a key the INSERT fills', async () => {
    const [finding] = of(await lint({ '001.up.sql': 'CREATE TABLE IF NOT EXISTS flags (name text PRIMARY KEY, on_ boolean);', '002.up.sql': "INSERT INTO flags VALUES ('x', true);" }), RULE);
    expect(finding!.message).toContain('fails with 23505 (duplicate key value violates unique constraint "flags_pkey")');
    expect(finding!.hint).toBe('add ON CONFLICT (name) DO NOTHING');
  });

  it('counts a key filled by a sequence as no key: new ids, doubled rows', async () => {
    const [finding] = of(await lint({ '001.up.sql': 'CREATE TABLE IF NOT EXISTS c (id bigserial PRIMARY KEY, email text);', '002.up.sql': "INSERT INTO c (email) VALUES ('a');" }), RULE);
    expect(finding!.message).toContain('no unique key that the INSERT fills (id gets a new value on every insert)');
  });

  it('flags ON CONFLICT DO NOTHING without a target on a table with nothing to conflict on', async () => {
    const [finding] = of(await lint({ '001.up.sql': TEMPLATES, '002.up.sql': "INSERT INTO templates VALUES ('a', 'b', 'c') ON CONFLICT DO NOTHING;" }), RULE);
    expect(finding!.message).toContain('ON CONFLICT DO NOTHING has nothing to conflict on');
  });

  it('accepts ON CONFLICT, INSERT … WHERE NOT EXISTS, and a key with a constant default the INSERT leaves out', async () => {
    const findings = await lint({
      '001.up.sql': TEMPLATES + "\nCREATE TABLE IF NOT EXISTS s (scope text, event text, recipient text NOT NULL DEFAULT '');\nCREATE UNIQUE INDEX IF NOT EXISTS s_key ON s (scope, event, recipient);",
      '002.up.sql': [
        "INSERT INTO s (scope, event) VALUES ('g', 'e') ON CONFLICT DO NOTHING;",
        "INSERT INTO s (scope, event) VALUES ('g', 'e') ON CONFLICT (scope, event, recipient) DO NOTHING;",
        "INSERT INTO templates (event, channel, body) SELECT v.e, v.c, v.b FROM (VALUES ('a', 'email', 'x')) AS v (e, c, b) WHERE NOT EXISTS (SELECT 1 FROM templates t WHERE t.event = v.e AND t.channel = v.c);",
      ].join('\n'),
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags COPY … FROM STDIN in a codd no-txn migration and not in an in-txn one', async () => {
    const files = { '2024-01-01-00-00-00-seed.sql': 'COPY c (id, email) FROM STDIN;' };
    const flagged = of(await lint(files, 'codd', { directives: { '2024-01-01-00-00-00-seed.sql': { 'no-txn': true } } }), RULE);
    expect(flagged[0]!.message).toContain('COPY … FROM (which has no ON CONFLICT)');
    expect(of(await lint(files, 'codd'), RULE)).toEqual([]);
  });

  it('says nothing about a table a DO block touches (its keys are unknown)', async () => {
    const findings = await lint({
      '001.up.sql': TEMPLATES + "\nDO $$ BEGIN ALTER TABLE templates ADD CONSTRAINT k UNIQUE (event, channel); END $$;",
      '002.up.sql': "INSERT INTO templates VALUES ('a', 'b', 'c') ON CONFLICT DO NOTHING;",
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('says nothing about an INSERT into a table the run makes anew (a later file drops it)', async () => {
    const findings = await lint({ '001.up.sql': 'CREATE TABLE IF NOT EXISTS staging (n int);\nINSERT INTO staging VALUES (1);', '002.up.sql': 'DROP TABLE IF EXISTS staging;' });
    expect(of(findings, RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': TEMPLATES, '002.up.sql': "INSERT INTO templates VALUES ('a', 'b', 'c');" }, { '001.up.sql': TEMPLATES });
});
