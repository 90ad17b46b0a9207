-- The environment the billing service's migrations expect, made by its platform team's
-- bootstrap script before the first migration runs: a read-only reporting role, the billing
-- schema (owned outside the migrations), and citext for case-insensitive e-mail addresses.
CREATE ROLE billing_reader NOLOGIN;
CREATE SCHEMA billing;
GRANT USAGE ON SCHEMA billing TO billing_reader;
CREATE EXTENSION citext;
