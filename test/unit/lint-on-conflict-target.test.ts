import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'on-conflict-target';

const SETTINGS = 'CREATE TABLE IF NOT EXISTS settings (scope text, event text, CONSTRAINT settings_key UNIQUE (scope, event));';
const SEED = "INSERT INTO settings (scope, event) VALUES ('g', 'e')\nON CONFLICT (scope, event) DO NOTHING;";
const REKEY = "ALTER TABLE settings ADD COLUMN IF NOT EXISTS recipient text NOT NULL DEFAULT '';\nCREATE UNIQUE INDEX IF NOT EXISTS settings_recipient_key ON settings (scope, event, recipient);\nALTER TABLE settings DROP CONSTRAINT IF EXISTS settings_key;";

describe(RULE, () => {
  it('flags an ON CONFLICT target whose key a later migration drops (certctl 000006/000007)', async () => {
    const findings = of(await lint({ '005.up.sql': SETTINGS, '006.up.sql': SEED, '007.up.sql': REKEY }), RULE);
    expect(where(findings)).toEqual([`${RULE} 006.up.sql:1`]);
    expect(findings[0]!.case?.expects).toBe('42P10');
    expect(findings[0]!.message).toContain('007.up.sql:3 removes settings_key');
    expect(findings[0]!.hint).toContain('(scope, event, recipient)');
  });

  it('accepts a target the table keeps, a target without a later change, and no target at all', async () => {
    expect(of(await lint({ '005.up.sql': SETTINGS, '006.up.sql': SEED }), RULE)).toEqual([]);
    expect(of(await lint({ '005.up.sql': SETTINGS, '006.up.sql': "INSERT INTO settings (scope, event) VALUES ('g', 'e') ON CONFLICT DO NOTHING;", '007.up.sql': REKEY }), RULE)).toEqual([]);
    expect(of(await lint({ '005.up.sql': SETTINGS, '006.up.sql': "INSERT INTO settings VALUES ('g', 'e') ON CONFLICT ON CONSTRAINT settings_key DO NOTHING;" }), RULE)).toEqual([]);
  });

  it('says nothing for a tracked runner, whose second run does not run the INSERT after the later migrations', async () => {
    expect(of(await lint({ '5_a.up.sql': SETTINGS, '6_b.up.sql': SEED, '7_c.up.sql': REKEY }, 'golang-migrate'), RULE)).toEqual([]);
  });

  suppression(RULE, { '005.up.sql': SETTINGS, '006.up.sql': SEED, '007.up.sql': REKEY }, { '005.up.sql': SETTINGS, '006.up.sql': SEED });
});
