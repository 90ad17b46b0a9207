import { beforeAll, describe, expect, it } from 'vitest';
import { clusterChanges } from '../../src/migrations/cluster.js';
import { initParser, splitStatements } from '../../src/migrations/split.js';

beforeAll(async () => {
  await initParser();
});

const changes = (text: string): [string, string, number, number][] =>
  clusterChanges(splitStatements(text, { file: '/set/001.sql' })).map((c) => [c.what, c.object, c.line, c.column]);

describe('cluster-level changes, read from the parse', () => {
  it('names each statement that changes what every database of the server shares', () => {
    const text = [
      "ALTER SYSTEM SET work_mem = '64MB';",
      'CREATE ROLE app LOGIN;',
      'ALTER ROLE app SET search_path = app;',
      'GRANT app TO CURRENT_USER;',
      'DROP ROLE IF EXISTS old_app;',
      'CREATE DATABASE reports;',
      'DROP DATABASE IF EXISTS sacrificial;',
      'ALTER DATABASE reports SET timezone = UTC;',
      'ALTER DATABASE reports RENAME TO reporting;',
      'ALTER DATABASE reporting OWNER TO app;',
      'GRANT CONNECT ON DATABASE reporting TO app;',
      "COMMENT ON ROLE app IS 'the service';",
      'REASSIGN OWNED BY app TO CURRENT_USER;',
      'DROP TABLESPACE IF EXISTS fast;',
    ].join('\n');
    expect(changes(text)).toEqual([
      ['ALTER SYSTEM', 'setting', 1, 1],
      ['CREATE ROLE', 'role', 2, 1],
      ['ALTER ROLE … SET', 'role', 3, 1],
      ['GRANT/REVOKE of a role', 'role', 4, 1],
      ['DROP ROLE', 'role', 5, 1],
      ['CREATE DATABASE', 'database', 6, 1],
      ['DROP DATABASE', 'database', 7, 1],
      ['ALTER DATABASE … SET', 'database', 8, 1],
      ['ALTER … RENAME DATABASE', 'database', 9, 1],
      ['ALTER … OWNER TO DATABASE', 'database', 10, 1],
      ['GRANT/REVOKE DATABASE', 'database', 11, 1],
      ['COMMENT ON ROLE', 'role', 12, 1],
      ['REASSIGN OWNED', 'role', 13, 1],
      ['DROP TABLESPACE', 'tablespace', 14, 1],
    ]);
  });

  it('looks inside DO blocks and PL/pgSQL functions, at the inner statement, and at EXECUTE texts that build one', () => {
    const text = [
      'DO $$',
      'BEGIN',
      "  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN",
      '    CREATE ROLE app NOLOGIN;',
      '  END IF;',
      "  EXECUTE 'ALTER SYSTEM SET log_statement = ' || quote_literal('all');",
      'END',
      '$$;',
      'CREATE FUNCTION make_db() RETURNS void LANGUAGE plpgsql AS $f$',
      'BEGIN',
      '  DROP DATABASE IF EXISTS scratch;',
      'END',
      '$f$;',
    ].join('\n');
    expect(changes(text)).toEqual([
      ['CREATE ROLE', 'role', 4, 5],
      ['EXECUTE of ALTER SYSTEM', 'setting', 6, 11],
      ['DROP DATABASE', 'database', 11, 3],
    ]);
  });

  it('says nothing about what stays in the database: tables, grants on them, ownership, session settings, RLS', () => {
    const text = [
      'CREATE TABLE t (id int);',
      'ALTER TABLE t OWNER TO app;',
      'GRANT SELECT ON t TO app;',
      'ALTER TABLE t ENABLE ROW LEVEL SECURITY;',
      "CREATE POLICY p ON t USING (current_user = 'app');",
      "SET search_path = public;",
      "SELECT set_config('app.tenant', '1', false);",
      'COMMENT ON TABLE t IS $$x$$;',
      "DO $$ BEGIN UPDATE t SET id = id; EXECUTE 'ANALYZE t'; END $$;",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
    ].join('\n');
    expect(changes(text)).toEqual([]);
  });
});
