/**
 * The catalogue behind test/integration/snapshot-catalogue*.test.ts: pairs of database states
 * that the snapshot must tell apart (one change each, per object kind and attribute), and pairs
 * it must not (the same schema reached another way).
 *
 * A change has `setup`, run first; then either `after`, run on the same database once the first
 * state has been read (cluster-level objects such as roles can only change this way), or
 * `before` and `after`, run on two databases made from the same setup. `path` is a pattern that
 * one of the differences' paths must match, so the difference lands on the right object.
 */
export interface Change {
  name: string;
  setup?: string;
  before?: string;
  after: string;
  path: RegExp;
  /** The lowest PostgreSQL major the change exists on. */
  since?: number;
  /** `after` fails on purpose (it leaves something behind, like an invalid index). */
  afterFails?: boolean;
}

export interface Equivalence {
  name: string;
  setup?: string;
  /** Each part runs as one simple query, in order, on its side's database. */
  a: string[];
  b: string[];
  since?: number;
}

/** Roles made once per server; a change that alters a role makes its own. */
export const SHARED_ROLES = ['cat_reader', 'cat_writer'];

const table = `CREATE TABLE t (id int PRIMARY KEY, a int, b text);`;
const fn = `CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;`;
const setDb = (setting: string): string =>
  `DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET ${setting.replaceAll("'", "''")}', current_database()); END$$;`;

export const CHANGES: Change[] = [
  // database
  { name: 'database: a setting', after: setDb(`work_mem = '8MB'`), path: /^database/ },
  { name: 'database: a setting value', setup: setDb(`work_mem = '8MB'`), after: setDb(`work_mem = '16MB'`), path: /^database/ },

  // roles (cluster-level: the change happens between two reads of one database)
  { name: 'role: a flag', setup: `CREATE ROLE cat_flag; ${table} GRANT SELECT ON t TO cat_flag;`, after: `ALTER ROLE cat_flag CREATEDB;`, path: /cat_flag/ },
  { name: 'role: a membership', setup: `CREATE ROLE cat_member; ${table} GRANT SELECT ON t TO cat_member;`, after: `GRANT cat_reader TO cat_member;`, path: /cat_member|cat_reader/ },
  { name: 'role: a setting', setup: `CREATE ROLE cat_config; ${table} GRANT SELECT ON t TO cat_config;`, after: `ALTER ROLE cat_config SET work_mem = '4MB';`, path: /cat_config/ },

  // schemas
  { name: 'schema: new', after: `CREATE SCHEMA app;`, path: /app/ },
  { name: 'schema: owner', setup: `CREATE SCHEMA app;`, after: `ALTER SCHEMA app OWNER TO cat_reader;`, path: /app/ },
  { name: 'schema: privileges', setup: `CREATE SCHEMA app;`, after: `GRANT USAGE ON SCHEMA app TO cat_reader;`, path: /app/ },
  { name: 'schema: comment', setup: `CREATE SCHEMA app;`, after: `COMMENT ON SCHEMA app IS 'the app';`, path: /app/ },
  // The grantor and the grantee swapped: the same aclitem sum (see 'table: another privilege…').
  {
    name: 'schema: a privilege granted the other way round between two roles, the same aclitem sum',
    setup: `CREATE SCHEMA app; GRANT USAGE ON SCHEMA app TO cat_reader, cat_writer WITH GRANT OPTION;
      SET ROLE cat_reader; GRANT USAGE ON SCHEMA app TO cat_writer; RESET ROLE;`,
    after: `SET ROLE cat_reader; REVOKE USAGE ON SCHEMA app FROM cat_writer; SET ROLE cat_writer; GRANT USAGE ON SCHEMA app TO cat_reader; RESET ROLE;`,
    path: /app/,
  },

  // extensions
  { name: 'extension: new', after: `CREATE EXTENSION citext;`, path: /citext/ },
  { name: 'extension: version', setup: `CREATE EXTENSION citext VERSION '1.5';`, after: `ALTER EXTENSION citext UPDATE TO '1.6';`, path: /citext/ },
  { name: 'extension: schema', setup: `CREATE SCHEMA ext; CREATE EXTENSION citext;`, after: `ALTER EXTENSION citext SET SCHEMA ext;`, path: /citext/ },

  // default privileges
  { name: 'default privileges: on tables', after: `ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO cat_reader;`, path: /./ },
  { name: 'default privileges: in a schema', setup: `CREATE SCHEMA app;`, after: `ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT USAGE ON SEQUENCES TO cat_reader;`, path: /./ },
  { name: 'default privileges: revoked from PUBLIC', after: `ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;`, path: /./ },

  // tables
  { name: 'table: new', after: table, path: /public\.t\b/ },
  { name: 'table: persistence', setup: table, after: `ALTER TABLE t SET UNLOGGED;`, path: /public\.t\b/ },
  { name: 'table: access method', setup: `CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler; ${table}`, after: `ALTER TABLE t SET ACCESS METHOD heap2;`, path: /public\.t\b/, since: 15 },
  { name: 'table: options', setup: table, after: `ALTER TABLE t SET (fillfactor = 70);`, path: /public\.t\b/ },
  { name: 'table: row level security', setup: table, after: `ALTER TABLE t ENABLE ROW LEVEL SECURITY;`, path: /public\.t\b/ },
  { name: 'table: forced row level security', setup: table, after: `ALTER TABLE t FORCE ROW LEVEL SECURITY;`, path: /public\.t\b/ },
  { name: 'table: replica identity full', setup: table, after: `ALTER TABLE t REPLICA IDENTITY FULL;`, path: /public\.t\b/ },
  { name: 'table: replica identity index', setup: `${table} CREATE UNIQUE INDEX t_a ON t (a); ALTER TABLE t ALTER a SET NOT NULL;`, after: `ALTER TABLE t REPLICA IDENTITY USING INDEX t_a;`, path: /t_?a|public\.t\b/ },
  { name: 'table: partition key', before: `CREATE TABLE p (a int) PARTITION BY RANGE (a);`, after: `CREATE TABLE p (a int) PARTITION BY LIST (a);`, path: /public\.p\b/ },
  { name: 'table: partition bound', setup: `CREATE TABLE p (a int) PARTITION BY RANGE (a);`, before: `CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);`, after: `CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (20);`, path: /public\.p1\b/ },
  { name: 'table: a new partition', setup: `CREATE TABLE p (a int) PARTITION BY LIST (a); CREATE TABLE p1 (a int);`, after: `ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1);`, path: /public\.p1\b/ },
  { name: 'table: inheritance', setup: `CREATE TABLE parent (a int); CREATE TABLE child (a int);`, after: `ALTER TABLE child INHERIT parent;`, path: /child/ },
  { name: 'table: order of parents', setup: `CREATE TABLE p1 (a int); CREATE TABLE p2 (b int);`, before: `CREATE TABLE c () INHERITS (p1, p2);`, after: `CREATE TABLE c () INHERITS (p2, p1);`, path: /public\.c\b/ },
  { name: 'table: typed table', setup: `CREATE TYPE pair AS (x int, y int); CREATE TABLE t OF pair;`, after: `ALTER TABLE t NOT OF;`, path: /public\.t\b/ },
  { name: 'table: owner', setup: table, after: `ALTER TABLE t OWNER TO cat_reader;`, path: /public\.t\b/ },
  { name: 'table: privileges', setup: table, after: `GRANT SELECT ON t TO cat_reader;`, path: /public\.t\b/ },
  { name: 'table: grant option', setup: table, before: `GRANT SELECT ON t TO cat_reader;`, after: `GRANT SELECT ON t TO cat_reader WITH GRANT OPTION;`, path: /public\.t\b/ },
  // cat_reader and cat_writer are made one after the other: their OIDs are one apart, and SELECT's
  // bit is twice INSERT's. An aclitem's own hash is the sum of its grantee, grantor and bits, so
  // this change left that hash as it was: the raw digest must hash privileges by their text.
  { name: 'table: another privilege to another role, the same aclitem sum', setup: `${table} GRANT SELECT ON t TO cat_reader;`, after: `REVOKE SELECT ON t FROM cat_reader; GRANT INSERT ON t TO cat_writer;`, path: /public\.t\b/ },
  { name: 'table: privileges revoked from the owner', setup: table, after: `REVOKE TRUNCATE ON t FROM CURRENT_USER;`, path: /public\.t\b/ },
  { name: 'table: comment', setup: table, after: `COMMENT ON TABLE t IS 'things';`, path: /public\.t\b/ },
  { name: 'table: column order', before: `CREATE TABLE t (a int, b int);`, after: `CREATE TABLE t (b int, a int);`, path: /public\.t\b/ },
  { name: 'table: renamed', setup: table, after: `ALTER TABLE t RENAME TO t2;`, path: /public\.t2?\b/ },
  { name: 'table: moved to another schema', setup: `CREATE SCHEMA app; ${table}`, after: `ALTER TABLE t SET SCHEMA app;`, path: /\.t\b/ },

  // columns
  { name: 'column: new', setup: table, after: `ALTER TABLE t ADD COLUMN c int;`, path: /public\.t\.c\b/ },
  { name: 'column: type', setup: table, after: `ALTER TABLE t ALTER a TYPE bigint;`, path: /public\.t\.a\b/ },
  { name: 'column: type modifier', setup: `CREATE TABLE t (a varchar(10));`, after: `ALTER TABLE t ALTER a TYPE varchar(20);`, path: /public\.t\.a\b/ },
  { name: 'column: not null', setup: table, after: `ALTER TABLE t ALTER a SET NOT NULL;`, path: /public\.t\b/ },
  { name: 'column: default', setup: table, after: `ALTER TABLE t ALTER a SET DEFAULT 1;`, path: /public\.t\.a\b/ },
  { name: 'column: default expression', setup: `${table} ALTER TABLE t ALTER a SET DEFAULT 1;`, after: `ALTER TABLE t ALTER a SET DEFAULT 2;`, path: /public\.t\.a\b/ },
  { name: 'column: identity', setup: `CREATE TABLE t (a int NOT NULL);`, after: `ALTER TABLE t ALTER a ADD GENERATED ALWAYS AS IDENTITY;`, path: /public\.t/ },
  { name: 'column: identity kind', setup: `CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY);`, after: `ALTER TABLE t ALTER a SET GENERATED BY DEFAULT;`, path: /public\.t\.a\b/ },
  { name: 'column: identity sequence options', setup: `CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY);`, after: `ALTER TABLE t ALTER a SET INCREMENT BY 5;`, path: /public\.t/ },
  { name: 'column: generated expression', before: `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);`, after: `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 3) STORED);`, path: /public\.t\.b\b/ },
  { name: 'column: generated, stored or virtual', before: `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);`, after: `CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL);`, path: /public\.t\.b\b/, since: 18 },
  { name: 'column: collation', setup: `CREATE TABLE t (a text);`, after: `ALTER TABLE t ALTER a TYPE text COLLATE "C";`, path: /public\.t\.a\b/ },
  { name: 'column: storage', setup: `CREATE TABLE t (a text);`, after: `ALTER TABLE t ALTER a SET STORAGE EXTERNAL;`, path: /public\.t\.a\b/ },
  { name: 'column: compression', setup: `CREATE TABLE t (a text);`, after: `ALTER TABLE t ALTER a SET COMPRESSION pglz;`, path: /public\.t\.a\b/ },
  { name: 'column: local as well as inherited', setup: `CREATE TABLE p (a int);`, before: `CREATE TABLE c () INHERITS (p);`, after: `CREATE TABLE c (a int) INHERITS (p);`, path: /public\.c/ },
  { name: 'column: privileges', setup: table, after: `GRANT SELECT (a) ON t TO cat_reader;`, path: /public\.t/ },
  { name: 'column: another privilege to another role, the same aclitem sum', setup: `${table} GRANT SELECT (a) ON t TO cat_reader;`, after: `REVOKE SELECT (a) ON t FROM cat_reader; GRANT INSERT (a) ON t TO cat_writer;`, path: /public\.t/ },
  { name: 'column: comment', setup: table, after: `COMMENT ON COLUMN t.a IS 'the a';`, path: /public\.t\.a\b/ },
  { name: 'column: renamed', setup: table, after: `ALTER TABLE t RENAME a TO a2;`, path: /public\.t/ },
  { name: 'column: dropped', setup: table, after: `ALTER TABLE t DROP COLUMN b;`, path: /public\.t/ },

  // constraints
  { name: 'constraint: a check', setup: table, after: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, path: /a_positive/ },
  { name: 'constraint: check definition', setup: table, before: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a >= 0);`, path: /a_positive/ },
  { name: 'constraint: not valid', setup: table, before: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID;`, path: /a_positive/ },
  { name: 'constraint: no inherit', setup: table, before: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0) NO INHERIT;`, path: /a_positive/ },
  { name: 'constraint: not enforced', setup: table, before: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0) NOT ENFORCED;`, path: /a_positive/, since: 18 },
  { name: 'constraint: unique', setup: table, after: `ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);`, path: /t_a_key/ },
  { name: 'constraint: unique nulls not distinct', setup: table, before: `ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);`, after: `ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE NULLS NOT DISTINCT (a);`, path: /t_a_key/, since: 15 },
  { name: 'constraint: primary key', setup: `CREATE TABLE t (a int NOT NULL);`, after: `ALTER TABLE t ADD PRIMARY KEY (a);`, path: /t_pkey/ },
  { name: 'constraint: foreign key', setup: `${table} CREATE TABLE u (t_id int);`, after: `ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id);`, path: /u_t\b/ },
  { name: 'constraint: foreign key action', setup: `${table} CREATE TABLE u (t_id int);`, before: `ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id);`, after: `ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id) ON DELETE CASCADE;`, path: /u_t\b/ },
  { name: 'constraint: foreign key target', setup: `${table} CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY); CREATE TABLE u (t_id int);`, before: `ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES public.t (id);`, after: `ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES app.t (id);`, path: /u_t\b/ },
  { name: 'constraint: deferrable', setup: `${table} CREATE TABLE u (t_id int); ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id);`, after: `ALTER TABLE u ALTER CONSTRAINT u_t DEFERRABLE;`, path: /u_t\b/ },
  { name: 'constraint: initially deferred', setup: `${table} CREATE TABLE u (t_id int); ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id) DEFERRABLE;`, after: `ALTER TABLE u ALTER CONSTRAINT u_t INITIALLY DEFERRED;`, path: /u_t\b/ },
  { name: 'constraint: exclusion', setup: `CREATE TABLE r (during tsrange);`, after: `ALTER TABLE r ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);`, path: /no_overlap/ },
  { name: 'constraint: comment', setup: `${table} ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `COMMENT ON CONSTRAINT a_positive ON t IS 'why';`, path: /a_positive/ },
  { name: 'constraint: renamed', setup: `${table} ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`, after: `ALTER TABLE t RENAME CONSTRAINT a_positive TO a_pos;`, path: /a_pos/ },
  { name: 'constraint: inherited by a child', setup: `CREATE TABLE p (a int); CREATE TABLE c (a int);`, before: `ALTER TABLE c ADD CONSTRAINT a_positive CHECK (a > 0); ALTER TABLE c INHERIT p;`, after: `ALTER TABLE c INHERIT p; ALTER TABLE p ADD CONSTRAINT a_positive CHECK (a > 0);`, path: /a_positive/ },

  // indexes
  { name: 'index: new', setup: table, after: `CREATE INDEX t_a ON t (a);`, path: /t_a\b/ },
  { name: 'index: definition', setup: table, before: `CREATE INDEX t_a ON t (a);`, after: `CREATE INDEX t_a ON t (a DESC);`, path: /t_a\b/ },
  { name: 'index: unique', setup: table, before: `CREATE INDEX t_a ON t (a);`, after: `CREATE UNIQUE INDEX t_a ON t (a);`, path: /t_a\b/ },
  { name: 'index: partial', setup: table, before: `CREATE INDEX t_a ON t (a);`, after: `CREATE INDEX t_a ON t (a) WHERE a > 0;`, path: /t_a\b/ },
  { name: 'index: access method', setup: table, before: `CREATE INDEX t_a ON t (a);`, after: `CREATE INDEX t_a ON t USING hash (a);`, path: /t_a\b/ },
  { name: 'index: left invalid by a failed CREATE INDEX CONCURRENTLY', setup: `${table} INSERT INTO t VALUES (1, 1, 'x'), (2, 1, 'y');`, after: `CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a);`, afterFails: true, path: /t_a\b/ },
  { name: 'index: nulls not distinct', setup: table, before: `CREATE UNIQUE INDEX t_a ON t (a);`, after: `CREATE UNIQUE INDEX t_a ON t (a) NULLS NOT DISTINCT;`, path: /t_a\b/, since: 15 },
  { name: 'index: clustered', setup: `${table} CREATE INDEX t_a ON t (a);`, after: `ALTER TABLE t CLUSTER ON t_a;`, path: /t_a\b|public\.t\b/ },
  { name: 'index: storage parameter', setup: `${table} CREATE INDEX t_a ON t (a);`, after: `ALTER INDEX t_a SET (fillfactor = 50);`, path: /t_a\b/ },
  { name: 'index: comment', setup: `${table} CREATE INDEX t_a ON t (a);`, after: `COMMENT ON INDEX t_a IS 'for lookups';`, path: /t_a\b/ },
  { name: 'index: on a partition, attached to its parent', setup: `CREATE TABLE p (a int) PARTITION BY LIST (a); CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); CREATE INDEX p1_a ON p1 (a); CREATE INDEX p_a ON ONLY p (a);`, after: `ALTER INDEX p_a ATTACH PARTITION p1_a;`, path: /p1?_a\b/ },

  // sequences
  { name: 'sequence: new', after: `CREATE SEQUENCE s;`, path: /public\.s\b/ },
  { name: 'sequence: type', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s AS integer;`, path: /public\.s\b/ },
  { name: 'sequence: increment', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s INCREMENT BY 2;`, path: /public\.s\b/ },
  { name: 'sequence: start', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s START WITH 100;`, path: /public\.s\b/ },
  { name: 'sequence: min and max', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s MAXVALUE 1000;`, path: /public\.s\b/ },
  { name: 'sequence: cache', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s CACHE 10;`, path: /public\.s\b/ },
  { name: 'sequence: cycle', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s CYCLE;`, path: /public\.s\b/ },
  { name: 'sequence: owned by', setup: `CREATE SEQUENCE s; ${table}`, after: `ALTER SEQUENCE s OWNED BY t.a;`, path: /public\.s\b/ },
  { name: 'sequence: owner', setup: `CREATE SEQUENCE s;`, after: `ALTER SEQUENCE s OWNER TO cat_reader;`, path: /public\.s\b/ },
  { name: 'sequence: privileges', setup: `CREATE SEQUENCE s;`, after: `GRANT USAGE ON SEQUENCE s TO cat_reader;`, path: /public\.s\b/ },
  { name: 'sequence: comment', setup: `CREATE SEQUENCE s;`, after: `COMMENT ON SEQUENCE s IS 'ids';`, path: /public\.s\b/ },

  // views and materialized views
  { name: 'view: new', setup: table, after: `CREATE VIEW v AS SELECT id FROM t;`, path: /public\.v\b/ },
  { name: 'view: definition', setup: table, before: `CREATE VIEW v AS SELECT id FROM t;`, after: `CREATE VIEW v AS SELECT id FROM t WHERE a > 0;`, path: /public\.v\b/ },
  { name: 'view: check option', setup: `${table} CREATE VIEW v AS SELECT id, a FROM t;`, after: `ALTER VIEW v SET (check_option = local);`, path: /public\.v\b/ },
  { name: 'view: security invoker', setup: `${table} CREATE VIEW v AS SELECT id FROM t;`, after: `ALTER VIEW v SET (security_invoker = true);`, path: /public\.v\b/, since: 15 },
  { name: 'view: security barrier', setup: `${table} CREATE VIEW v AS SELECT id FROM t;`, after: `ALTER VIEW v SET (security_barrier = true);`, path: /public\.v\b/ },
  { name: 'view: owner', setup: `${table} CREATE VIEW v AS SELECT id FROM t;`, after: `ALTER VIEW v OWNER TO cat_reader;`, path: /public\.v\b/ },
  { name: 'view: privileges', setup: `${table} CREATE VIEW v AS SELECT id FROM t;`, after: `GRANT SELECT ON v TO cat_reader;`, path: /public\.v\b/ },
  { name: 'view: comment', setup: `${table} CREATE VIEW v AS SELECT id FROM t;`, after: `COMMENT ON VIEW v IS 'ids';`, path: /public\.v\b/ },
  { name: 'view: column default', setup: `${table} CREATE VIEW v AS SELECT id, a FROM t;`, after: `ALTER VIEW v ALTER a SET DEFAULT 0;`, path: /public\.v\b/ },
  { name: 'materialized view: new', setup: table, after: `CREATE MATERIALIZED VIEW m AS SELECT id FROM t;`, path: /public\.m\b/ },
  { name: 'materialized view: definition', setup: table, before: `CREATE MATERIALIZED VIEW m AS SELECT id FROM t;`, after: `CREATE MATERIALIZED VIEW m AS SELECT a FROM t;`, path: /public\.m\b/ },
  { name: 'materialized view: an index', setup: `${table} CREATE MATERIALIZED VIEW m AS SELECT id FROM t;`, after: `CREATE UNIQUE INDEX m_id ON m (id);`, path: /m_id/ },
  { name: 'materialized view: owner', setup: `${table} CREATE MATERIALIZED VIEW m AS SELECT id FROM t;`, after: `ALTER MATERIALIZED VIEW m OWNER TO cat_reader;`, path: /public\.m\b/ },
  { name: 'materialized view: comment', setup: `${table} CREATE MATERIALIZED VIEW m AS SELECT id FROM t;`, after: `COMMENT ON MATERIALIZED VIEW m IS 'ids';`, path: /public\.m\b/ },

  // routines
  { name: 'function: new', after: fn, path: /public\.f\b/ },
  { name: 'function: body', setup: fn, after: `CREATE OR REPLACE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 2 $$;`, path: /public\.f\b/ },
  { name: 'function: BEGIN ATOMIC body', setup: `CREATE FUNCTION g(x integer) RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT x + 1; END;`, after: `CREATE OR REPLACE FUNCTION g(x integer) RETURNS integer LANGUAGE sql BEGIN ATOMIC SELECT x + 2; END;`, path: /public\.g\b/ },
  { name: 'function: an overload', setup: fn, after: `CREATE FUNCTION f(x bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT x + 1 $$;`, path: /public\.f\b/ },
  { name: 'function: argument name', setup: fn, after: `DROP FUNCTION f(integer); CREATE FUNCTION f(y integer) RETURNS integer LANGUAGE sql AS $$ SELECT y + 1 $$;`, path: /public\.f\b/ },
  { name: 'function: argument default', setup: fn, after: `CREATE OR REPLACE FUNCTION f(x integer DEFAULT 0) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;`, path: /public\.f\b/ },
  { name: 'function: volatility', setup: fn, after: `ALTER FUNCTION f(integer) STABLE;`, path: /public\.f\b/ },
  { name: 'function: strict', setup: fn, after: `ALTER FUNCTION f(integer) STRICT;`, path: /public\.f\b/ },
  { name: 'function: security definer', setup: fn, after: `ALTER FUNCTION f(integer) SECURITY DEFINER;`, path: /public\.f\b/ },
  { name: 'function: leakproof', setup: fn, after: `ALTER FUNCTION f(integer) LEAKPROOF;`, path: /public\.f\b/ },
  { name: 'function: parallel', setup: fn, after: `ALTER FUNCTION f(integer) PARALLEL SAFE;`, path: /public\.f\b/ },
  { name: 'function: cost', setup: fn, after: `ALTER FUNCTION f(integer) COST 1000;`, path: /public\.f\b/ },
  { name: 'function: a setting', setup: fn, after: `ALTER FUNCTION f(integer) SET search_path = public;`, path: /public\.f\b/ },
  { name: 'function: owner', setup: fn, after: `ALTER FUNCTION f(integer) OWNER TO cat_reader;`, path: /public\.f\b/ },
  { name: 'function: privileges', setup: fn, after: `REVOKE EXECUTE ON FUNCTION f(integer) FROM PUBLIC;`, path: /public\.f\b/ },
  { name: 'function: comment', setup: fn, after: `COMMENT ON FUNCTION f(integer) IS 'adds one';`, path: /public\.f\b/ },
  { name: 'procedure: new', after: `CREATE PROCEDURE pr() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;`, path: /public\.pr\b/ },
  { name: 'procedure: body', setup: `CREATE PROCEDURE pr() LANGUAGE sql BEGIN ATOMIC SELECT 1; END;`, after: `CREATE OR REPLACE PROCEDURE pr() LANGUAGE sql BEGIN ATOMIC SELECT 2; END;`, path: /public\.pr\b/ },
  { name: 'aggregate: new', after: `CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer, initcond = '0');`, path: /public\.total\b/ },
  { name: 'aggregate: initial state', before: `CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer, initcond = '0');`, after: `CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer, initcond = '1');`, path: /public\.total\b/ },

  // triggers and event triggers
  { name: 'trigger: new', setup: `${table} CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;`, after: `CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`, path: /touch/ },
  { name: 'trigger: timing', setup: `${table} CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;`, before: `CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`, after: `CREATE TRIGGER touch AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`, path: /\.t\.touch|touch/ },
  { name: 'trigger: disabled', setup: `${table} CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`, after: `ALTER TABLE t DISABLE TRIGGER touch;`, path: /t\.touch/ },
  { name: 'trigger: comment', setup: `${table} CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`, after: `COMMENT ON TRIGGER touch ON t IS 'keeps time';`, path: /t\.touch/ },
  { name: 'event trigger: new', setup: `CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;`, after: `CREATE EVENT TRIGGER cat_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();`, path: /cat_ddl/ },
  { name: 'event trigger: tags', setup: `CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;`, before: `CREATE EVENT TRIGGER cat_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION on_ddl();`, after: `CREATE EVENT TRIGGER cat_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'DROP TABLE') EXECUTE FUNCTION on_ddl();`, path: /cat_ddl/ },
  { name: 'event trigger: disabled', setup: `CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$; CREATE EVENT TRIGGER cat_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();`, after: `ALTER EVENT TRIGGER cat_ddl DISABLE;`, path: /cat_ddl/ },

  // policies
  { name: 'policy: new', setup: table, after: `CREATE POLICY mine ON t USING (a > 0);`, path: /mine/ },
  { name: 'policy: command', setup: table, before: `CREATE POLICY mine ON t FOR SELECT USING (a > 0);`, after: `CREATE POLICY mine ON t FOR UPDATE USING (a > 0);`, path: /mine/ },
  { name: 'policy: restrictive', setup: table, before: `CREATE POLICY mine ON t USING (a > 0);`, after: `CREATE POLICY mine ON t AS RESTRICTIVE USING (a > 0);`, path: /mine/ },
  { name: 'policy: roles', setup: `${table} CREATE POLICY mine ON t USING (a > 0);`, after: `ALTER POLICY mine ON t TO cat_reader;`, path: /mine/ },
  { name: 'policy: using', setup: `${table} CREATE POLICY mine ON t USING (a > 0);`, after: `ALTER POLICY mine ON t USING (a > 1);`, path: /mine/ },
  { name: 'policy: with check', setup: `${table} CREATE POLICY mine ON t USING (a > 0);`, after: `ALTER POLICY mine ON t WITH CHECK (a < 10);`, path: /mine/ },

  // types
  { name: 'enum: new', after: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, path: /mood/ },
  { name: 'enum: a label', setup: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `ALTER TYPE mood ADD VALUE 'happy';`, path: /mood/ },
  { name: 'enum: label order', before: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `CREATE TYPE mood AS ENUM ('ok', 'sad');`, path: /mood/ },
  { name: 'enum: renamed label', setup: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';`, path: /mood/ },
  { name: 'composite: new', after: `CREATE TYPE pair AS (x int, y int);`, path: /pair/ },
  { name: 'composite: attribute type', setup: `CREATE TYPE pair AS (x int, y int);`, after: `ALTER TYPE pair ALTER ATTRIBUTE y TYPE bigint;`, path: /pair/ },
  { name: 'composite: attribute order', before: `CREATE TYPE pair AS (x int, y int);`, after: `CREATE TYPE pair AS (y int, x int);`, path: /pair/ },
  { name: 'composite: a new attribute', setup: `CREATE TYPE pair AS (x int, y int);`, after: `ALTER TYPE pair ADD ATTRIBUTE z int;`, path: /pair/ },
  { name: 'domain: new', after: `CREATE DOMAIN posint AS integer;`, path: /posint/ },
  { name: 'domain: base type', before: `CREATE DOMAIN posint AS integer;`, after: `CREATE DOMAIN posint AS bigint;`, path: /posint/ },
  { name: 'domain: not null', setup: `CREATE DOMAIN posint AS integer;`, after: `ALTER DOMAIN posint SET NOT NULL;`, path: /posint/ },
  { name: 'domain: default', setup: `CREATE DOMAIN posint AS integer;`, after: `ALTER DOMAIN posint SET DEFAULT 1;`, path: /posint/ },
  { name: 'domain: a constraint', setup: `CREATE DOMAIN posint AS integer;`, after: `ALTER DOMAIN posint ADD CONSTRAINT positive CHECK (VALUE > 0);`, path: /posint|positive/ },
  { name: 'domain: constraint definition', before: `CREATE DOMAIN posint AS integer CONSTRAINT positive CHECK (VALUE > 0);`, after: `CREATE DOMAIN posint AS integer CONSTRAINT positive CHECK (VALUE >= 0);`, path: /posint|positive/ },
  { name: 'range: new', after: `CREATE TYPE numbers AS RANGE (subtype = integer);`, path: /numbers/ },
  { name: 'range: subtype', before: `CREATE TYPE numbers AS RANGE (subtype = integer);`, after: `CREATE TYPE numbers AS RANGE (subtype = bigint);`, path: /numbers/ },
  { name: 'range: subtype difference', before: `CREATE TYPE floats AS RANGE (subtype = float8);`, after: `CREATE TYPE floats AS RANGE (subtype = float8, subtype_diff = float8mi);`, path: /floats/ },
  { name: 'range: multirange name', before: `CREATE TYPE numbers AS RANGE (subtype = integer);`, after: `CREATE TYPE numbers AS RANGE (subtype = integer, multirange_type_name = many_numbers);`, path: /numbers/ },
  { name: 'type: owner', setup: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `ALTER TYPE mood OWNER TO cat_reader;`, path: /mood/ },
  { name: 'type: privileges', setup: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `REVOKE USAGE ON TYPE mood FROM PUBLIC;`, path: /mood/ },
  { name: 'type: comment', setup: `CREATE TYPE mood AS ENUM ('sad', 'ok');`, after: `COMMENT ON TYPE mood IS 'feelings';`, path: /mood/ },

  // collations
  { name: 'collation: new', after: `CREATE COLLATION german (provider = icu, locale = 'de-DE');`, path: /german/ },
  { name: 'collation: locale', before: `CREATE COLLATION german (provider = icu, locale = 'de-DE');`, after: `CREATE COLLATION german (provider = icu, locale = 'de-AT');`, path: /german/ },
  { name: 'collation: provider', before: `CREATE COLLATION plain (provider = libc, locale = 'C');`, after: `CREATE COLLATION plain (provider = icu, locale = 'und');`, path: /plain/ },
  { name: 'collation: deterministic', before: `CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2');`, after: `CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);`, path: /nocase/ },

  // extended statistics
  { name: 'statistics: new', setup: table, after: `CREATE STATISTICS t_stats (dependencies) ON id, a FROM t;`, path: /t_stats/ },
  { name: 'statistics: kinds', setup: table, before: `CREATE STATISTICS t_stats (dependencies) ON id, a FROM t;`, after: `CREATE STATISTICS t_stats (ndistinct) ON id, a FROM t;`, path: /t_stats/ },
  { name: 'statistics: columns', setup: table, before: `CREATE STATISTICS t_stats (dependencies) ON id, a FROM t;`, after: `CREATE STATISTICS t_stats (dependencies) ON id, b FROM t;`, path: /t_stats/ },
  { name: 'statistics: expressions', setup: table, before: `CREATE STATISTICS t_stats ON (a + 1), b FROM t;`, after: `CREATE STATISTICS t_stats ON (a + 2), b FROM t;`, path: /t_stats/ },

  // rules and publications
  { name: 'rule: new', setup: table, after: `CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;`, path: /no_delete/ },
  { name: 'rule: definition', setup: table, before: `CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;`, after: `CREATE RULE no_delete AS ON DELETE TO t WHERE old.a > 0 DO INSTEAD NOTHING;`, path: /no_delete/ },
  { name: 'publication: new', setup: table, after: `CREATE PUBLICATION cat_pub FOR TABLE t;`, path: /cat_pub/ },
  { name: 'publication: a table', setup: `${table} CREATE TABLE u (id int PRIMARY KEY); CREATE PUBLICATION cat_pub FOR TABLE t;`, after: `ALTER PUBLICATION cat_pub ADD TABLE u;`, path: /cat_pub/ },
  { name: 'publication: options', setup: `${table} CREATE PUBLICATION cat_pub FOR TABLE t;`, after: `ALTER PUBLICATION cat_pub SET (publish = 'insert');`, path: /cat_pub/ },
];

export const EQUIVALENCES: Equivalence[] = [
  {
    name: 'a column from CREATE TABLE, and one from ALTER TABLE … ADD COLUMN with a default on a table with rows',
    a: [`CREATE TABLE t (id int, flag boolean NOT NULL DEFAULT false, note text DEFAULT 'none'); INSERT INTO t (id) VALUES (1), (2);`],
    b: [`CREATE TABLE t (id int); INSERT INTO t (id) VALUES (1), (2); ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false; ALTER TABLE t ADD COLUMN note text DEFAULT 'none';`],
  },
  {
    name: 'a table with a dropped column, and one that never had it',
    a: [`CREATE TABLE t (a int, c int);`],
    b: [`CREATE TABLE t (a int, b int, c int); ALTER TABLE t DROP COLUMN b;`],
  },
  {
    name: 'a NULL ACL, and the same privileges granted explicitly (table, function, schema, sequence, type)',
    setup: `CREATE SCHEMA app; CREATE TABLE app.t (a int); ${fn} CREATE SEQUENCE s; CREATE TYPE mood AS ENUM ('sad');`,
    a: [``],
    b: [
      `GRANT ALL ON TABLE app.t TO CURRENT_USER; GRANT ALL ON FUNCTION f(integer) TO CURRENT_USER, PUBLIC;
       GRANT ALL ON SCHEMA app TO CURRENT_USER; GRANT ALL ON SEQUENCE s TO CURRENT_USER; GRANT USAGE ON TYPE mood TO PUBLIC;`,
    ],
  },
  {
    name: 'privileges granted and revoked again, and privileges never granted',
    setup: table,
    a: [``],
    b: [`GRANT SELECT ON t TO cat_reader; REVOKE SELECT ON t FROM cat_reader;`],
  },
  {
    name: 'objects created under another search_path, and the same objects with qualified names',
    a: [
      `CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY, a int DEFAULT 1);
       CREATE FUNCTION app.next() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
       CREATE TABLE app.u (id int DEFAULT app.next(), t_id int REFERENCES app.t (id), CHECK (id > 0));
       CREATE VIEW app.v AS SELECT t.id, u.t_id FROM app.t JOIN app.u ON u.t_id = t.id;
       CREATE INDEX u_t ON app.u (t_id);`,
    ],
    b: [
      `CREATE SCHEMA app; SET search_path = app; CREATE TABLE t (id int PRIMARY KEY, a int DEFAULT 1);
       CREATE FUNCTION next() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
       CREATE TABLE u (id int DEFAULT next(), t_id int REFERENCES t (id), CHECK (id > 0));
       CREATE VIEW v AS SELECT t.id, u.t_id FROM t JOIN u ON u.t_id = t.id;
       CREATE INDEX u_t ON u (t_id); RESET search_path;`,
    ],
  },
  {
    name: 'objects created in another order',
    a: [
      `CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE SEQUENCE s; ${table} CREATE TABLE u (t_id int REFERENCES t (id), m mood);
       ${fn} CREATE VIEW v AS SELECT id FROM t; CREATE INDEX u_t ON u (t_id); CREATE POLICY mine ON t USING (a > 0);`,
    ],
    b: [
      `${fn} CREATE SEQUENCE s; ${table} CREATE POLICY mine ON t USING (a > 0); CREATE VIEW v AS SELECT id FROM t;
       CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE u (t_id int, m mood); CREATE INDEX u_t ON u (t_id);
       ALTER TABLE u ADD CONSTRAINT u_t_id_fkey FOREIGN KEY (t_id) REFERENCES t (id);`,
    ],
  },
  {
    name: 'serial, and integer with an owned sequence and a nextval default',
    a: [`CREATE TABLE t (id serial);`],
    b: [`CREATE SEQUENCE t_id_seq AS integer; CREATE TABLE t (id integer NOT NULL DEFAULT nextval('t_id_seq')); ALTER SEQUENCE t_id_seq OWNED BY t.id;`],
  },
  {
    name: 'a sequence that has been used, and a new one',
    a: [`CREATE SEQUENCE s;`],
    b: [`CREATE SEQUENCE s; SELECT nextval('s'); SELECT setval('s', 42);`],
  },
  {
    name: 'an enum label added with BEFORE, and the same labels at creation',
    a: [`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');`],
    b: [`CREATE TYPE mood AS ENUM ('sad', 'happy');`, `ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';`],
  },
  {
    name: 'storage parameters given in another order, or set afterwards',
    a: [`CREATE TABLE t (a int) WITH (fillfactor = 70, autovacuum_enabled = false);`],
    b: [`CREATE TABLE t (a int); ALTER TABLE t SET (autovacuum_enabled = false); ALTER TABLE t SET (fillfactor = 70);`],
  },
  {
    name: 'database settings made in another order',
    a: [setDb(`work_mem = '8MB'`), setDb(`statement_timeout = '5s'`)],
    b: [setDb(`statement_timeout = '5s'`), setDb(`work_mem = '8MB'`)],
  },
  {
    name: 'policy roles listed in another order',
    setup: table,
    a: [`CREATE POLICY mine ON t TO cat_reader, cat_writer USING (a > 0);`],
    b: [`CREATE POLICY mine ON t TO cat_writer, cat_reader USING (a > 0);`],
  },
  {
    name: 'a constraint added NOT VALID and validated, and one valid from the start',
    setup: table,
    a: [`ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0);`],
    b: [`ALTER TABLE t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT a_positive;`],
  },
  {
    name: 'a comment set and removed, and no comment',
    setup: table,
    a: [``],
    b: [`COMMENT ON TABLE t IS 'gone soon'; COMMENT ON TABLE t IS NULL;`],
  },
  {
    name: 'a function replaced by the same definition, and a function made once',
    a: [fn],
    b: [`CREATE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x $$; CREATE OR REPLACE FUNCTION f(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;`],
  },
  {
    name: 'an owner given at creation (SET ROLE), and one given afterwards',
    setup: `GRANT CREATE ON SCHEMA public TO cat_reader;`,
    a: [`SET ROLE cat_reader; CREATE TABLE public.t (a int); RESET ROLE;`],
    b: [`CREATE TABLE t (a int); ALTER TABLE t OWNER TO cat_reader;`],
  },
  {
    name: 'a trigger disabled and enabled again, and a trigger never disabled',
    setup: `${table} CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;`,
    a: [`CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();`],
    b: [`CREATE TRIGGER touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch(); ALTER TABLE t DISABLE TRIGGER touch; ALTER TABLE t ENABLE TRIGGER touch;`],
  },
  {
    name: 'an index renamed to its name, and one created with that name',
    setup: table,
    a: [`CREATE INDEX t_a ON t (a);`],
    b: [`CREATE INDEX t_a_old ON t (a); ALTER INDEX t_a_old RENAME TO t_a;`],
  },
  {
    name: 'rows inserted in another order',
    setup: table,
    a: [`INSERT INTO t VALUES (1, 1, 'x'), (2, 2, 'y');`],
    b: [`INSERT INTO t VALUES (2, 2, 'y'); INSERT INTO t VALUES (1, 1, 'x');`],
  },
  {
    name: 'a function with settings given in another order',
    a: [`CREATE FUNCTION h() RETURNS integer LANGUAGE sql SET work_mem = '1MB' SET statement_timeout = '1s' AS $$ SELECT 1 $$;`],
    b: [`CREATE FUNCTION h() RETURNS integer LANGUAGE sql SET statement_timeout = '1s' SET work_mem = '1MB' AS $$ SELECT 1 $$;`],
  },
];
