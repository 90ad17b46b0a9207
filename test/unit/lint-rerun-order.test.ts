// Issue 11, item 9: lint judges each statement on the state the run that runs it again finds
// (rerun-all: the whole set, then the files before it again), one test per class seen on a real
// 72-file rerun-all set.
import { describe, expect, it } from 'vitest';
import { lint, where } from './lint-set.js';

describe('lint follows the set in order (rerun-all)', () => {
  it('says nothing about a file whose objects a later file drops: the next start makes them again, empty', async () => {
    const findings = await lint({
      '010_sessions.up.sql': [
        'CREATE TABLE IF NOT EXISTS legacy_sessions (id int, user_id int, token text, hits int);',
        'ALTER TABLE legacy_sessions ADD CONSTRAINT legacy_sessions_token_key UNIQUE (token);',
        'CREATE INDEX ON legacy_sessions (user_id);',
        "INSERT INTO legacy_sessions (id, token, hits) VALUES (1, 'seed', 0);",
        'UPDATE legacy_sessions SET hits = hits + 1;',
        'ALTER TABLE legacy_sessions ADD COLUMN expires_at timestamptz;',
      ].join('\n'),
      '040_drop_sessions.up.sql': 'DROP TABLE IF EXISTS legacy_sessions;',
    });
    expect(where(findings)).toEqual([]);
  });

  it('still flags the same file when nothing drops its table', async () => {
    const findings = await lint({
      '010_sessions.up.sql': [
        'CREATE TABLE IF NOT EXISTS legacy_sessions (id int, user_id int, token text, hits int);',
        'ALTER TABLE legacy_sessions ADD CONSTRAINT legacy_sessions_token_key UNIQUE (token);',
        'CREATE INDEX ON legacy_sessions (user_id);',
        "INSERT INTO legacy_sessions (id, token, hits) VALUES (1, 'seed', 0);",
        'UPDATE legacy_sessions SET hits = hits + 1;',
        'ALTER TABLE legacy_sessions ADD COLUMN expires_at timestamptz;',
      ].join('\n'),
    });
    expect(where(findings)).toEqual([
      'add-constraint-unguarded 010_sessions.up.sql:2',
      'create-if-not-exists 010_sessions.up.sql:3',
      'insert-without-on-conflict 010_sessions.up.sql:4',
      'update-not-convergent 010_sessions.up.sql:5',
      'create-if-not-exists 010_sessions.up.sql:6',
    ]);
  });

  it('flags a DROP … IF EXISTS followed by the same CREATE TABLE in one file (every start empties it), not a view, function or index made again', async () => {
    const findings = await lint({
      '020_reports.up.sql': [
        'DROP TABLE IF EXISTS report_settings;',
        'CREATE TABLE report_settings (id int PRIMARY KEY, value text);',
        'DROP VIEW IF EXISTS report_totals;',
        'CREATE VIEW report_totals AS SELECT count(*) AS n FROM report_settings;',
        'DROP FUNCTION IF EXISTS report_count();',
        'CREATE FUNCTION report_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM report_settings $$;',
        'DROP INDEX IF EXISTS report_settings_value_idx;',
        'CREATE INDEX report_settings_value_idx ON report_settings (value);',
      ].join('\n'),
    });
    expect(where(findings)).toEqual(['drop-recreate 020_reports.up.sql:1']);
  });

  it('accepts an UPDATE whose WHERE already excludes the rows it changed', async () => {
    const findings = await lint({
      '030_urls.up.sql': [
        'CREATE TABLE IF NOT EXISTS crash_links (id int PRIMARY KEY, url text);',
        "UPDATE crash_links SET url = replace(url, '/crashes/', '/errors/') WHERE url LIKE '%/crashes/%';",
      ].join('\n'),
    });
    expect(where(findings)).toEqual([]);
  });

  it('flags a COMMENT, UPDATE or DO block naming a column a later file renamed or dropped: 42703 once CREATE TABLE IF NOT EXISTS is skipped', async () => {
    const findings = await lint({
      '001_errors.up.sql': [
        'CREATE TABLE IF NOT EXISTS error_groups (id int PRIMARY KEY, fingerprint text, crash_count int, muted boolean);',
        "COMMENT ON COLUMN error_groups.fingerprint IS 'hash of the stack';",
        'UPDATE error_groups SET muted = false WHERE muted IS NULL;',
        'DO $$',
        'BEGIN',
        '  UPDATE error_groups SET crash_count = 0 WHERE crash_count IS NULL;',
        'END $$;',
      ].join('\n'),
      '050_rename.up.sql': 'ALTER TABLE error_groups RENAME COLUMN fingerprint TO group_key;\nALTER TABLE error_groups RENAME COLUMN crash_count TO event_count;',
      '060_drop.up.sql': 'ALTER TABLE error_groups DROP COLUMN IF EXISTS muted;',
    });
    expect(where(findings)).toEqual([
      'stale-column-reference 001_errors.up.sql:2',
      'stale-column-reference 001_errors.up.sql:3',
      'stale-column-reference 001_errors.up.sql:6',
      'rename 050_rename.up.sql:1',
      'rename 050_rename.up.sql:2',
    ]);
    expect(findings.slice(0, 3).map((f) => f.message.match(/and (\S+ \w+ it(?: to \w+)?)/)?.[1])).toEqual([
      '050_rename.up.sql:1 renames it to group_key',
      '060_drop.up.sql:1 drops it',
      '050_rename.up.sql:2 renames it to event_count',
    ]);
  });
});
