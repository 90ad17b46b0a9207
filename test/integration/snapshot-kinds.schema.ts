/**
 * A schema with at least one object of every kind the snapshot reads, in one script that runs on
 * PostgreSQL 14 to 18. Roles are the server's, so their names carry a prefix of their own.
 */
export const EVERY_KIND = `
CREATE ROLE kinds_owner NOLOGIN VALID UNTIL 'infinity';
CREATE ROLE kinds_reader NOLOGIN CONNECTION LIMIT 3 VALID UNTIL '2030-01-02 03:04:05+02';
ALTER ROLE kinds_reader SET work_mem = '2MB';
GRANT kinds_reader TO kinds_owner;
DO $$BEGIN
  EXECUTE format('ALTER DATABASE %I SET statement_timeout = %L', current_database(), '5s');
  EXECUTE format('ALTER DATABASE %I SET search_path = app, public', current_database());
  EXECUTE format('ALTER ROLE kinds_reader IN DATABASE %I SET lock_timeout = %L', current_database(), '1s');
END$$;
CREATE SCHEMA app AUTHORIZATION kinds_owner;
COMMENT ON SCHEMA app IS 'the application';
GRANT USAGE ON SCHEMA app TO kinds_reader;
CREATE EXTENSION pg_trgm SCHEMA public;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner IN SCHEMA app GRANT SELECT ON TABLES TO kinds_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
CREATE COLLATION app.posix (provider = libc, locale = 'POSIX');
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE app.pair AS (a integer, b text COLLATE app.posix);
CREATE DOMAIN app.positive AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
COMMENT ON TYPE app.mood IS 'how it feels';
CREATE TABLE app.users (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY,
  email text COLLATE app.posix NOT NULL,
  score app.positive,
  doubled integer GENERATED ALWAYS AS (score * 2) STORED,
  bio text,
  note text COMPRESSION pglz,
  mood app.mood DEFAULT 'ok'
) WITH (fillfactor = 80, autovacuum_enabled = false);
ALTER TABLE app.users ALTER COLUMN bio SET STORAGE EXTERNAL;
CREATE UNIQUE INDEX users_email_key ON app.users (email);
COMMENT ON INDEX app.users_email_key IS 'one account per address';
ALTER TABLE app.users REPLICA IDENTITY USING INDEX users_email_key;
ALTER TABLE app.users ADD CONSTRAINT users_score_check CHECK (score < 1000) NOT VALID;
COMMENT ON CONSTRAINT users_score_check ON app.users IS 'sanity';
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.users OWNER TO kinds_owner;
COMMENT ON TABLE app.users IS 'people';
COMMENT ON COLUMN app.users.email IS 'where to write';
GRANT SELECT (email) ON app.users TO kinds_reader;
CREATE POLICY own_rows ON app.users FOR SELECT TO kinds_reader USING (email = current_user);
CREATE TABLE app.events (id integer, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at_idx ON app.events (at);
CREATE TABLE app.base (x integer CHECK (x > 0));
CREATE TABLE app.child (y integer) INHERITS (app.base);
CREATE TABLE app.typed OF app.pair;
CREATE UNLOGGED TABLE app.cache (k text);
CREATE SEQUENCE app.counter INCREMENT BY 5 CACHE 10;
COMMENT ON SEQUENCE app.counter IS 'tickets';
CREATE TABLE app.tickets (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id) DEFERRABLE INITIALLY DEFERRED);
GRANT SELECT, UPDATE ON app.tickets TO kinds_reader;
CREATE VIEW app.emails WITH (security_barrier = true, check_option = local) AS SELECT id, email FROM app.users;
CREATE MATERIALIZED VIEW app.user_count AS SELECT count(*) AS n FROM app.users WITH NO DATA;
CREATE UNIQUE INDEX user_count_n ON app.user_count (n);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE FUNCTION app.add(a integer, b text) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + length(b);
COMMENT ON FUNCTION app.add(integer, text) IS 'adds';
CREATE PROCEDURE app.reset(n integer) LANGUAGE sql BEGIN ATOMIC SELECT n; END;
CREATE AGGREGATE app.total(integer) (sfunc = int4pl, stype = integer, initcond = '0');
CREATE TRIGGER touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
COMMENT ON TRIGGER touch ON app.users IS 'keeps time';
-- A partitioned table's unique constraint and row trigger: the partition gets copies that name them.
ALTER TABLE app.events ADD CONSTRAINT events_id_at_key UNIQUE (id, at);
CREATE TRIGGER events_touch BEFORE UPDATE ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE STATISTICS app.users_stats (dependencies, ndistinct) ON id, score FROM app.users;
CREATE RULE no_delete AS ON DELETE TO app.cache DO INSTEAD NOTHING;
CREATE PUBLICATION kinds_pub FOR TABLE app.users WITH (publish = 'insert, update');
CREATE FUNCTION app.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$;
CREATE EVENT TRIGGER kinds_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION app.on_ddl();
`;
