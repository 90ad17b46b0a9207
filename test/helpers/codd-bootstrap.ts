/**
 * A codd set whose no-txn bootstrap guards its first role but not its second: after a fault past
 * `CREATE ROLE orders_reader`, the operator's `dropdb orders` and `codd up` fail on that role (42710).
 * File name → text; run it with `--runner-option user=orders_owner`.
 */
export const UNGUARDED_ROLE_BOOTSTRAP: Readonly<Record<string, string>> = {
  '2024-06-01-08-00-00-bootstrap.sql': [
    '-- codd: no-txn',
    '-- codd-connection: postgres://postgres@localhost:5432/postgres',
    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'orders_owner') THEN CREATE ROLE orders_owner LOGIN; END IF; END $$;",
    'CREATE DATABASE orders OWNER orders_owner;',
    'CREATE ROLE orders_reader;',
    '',
  ].join('\n'),
  '2024-06-01-08-01-00-create-customers.sql': 'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);\n',
};
