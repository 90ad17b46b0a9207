-- codd: no-txn
-- codd-connection: postgres://postgres@localhost:5432/postgres
-- codd's bootstrap: the service's login role (made only if missing) and its database, owned by that role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'orders_owner') THEN
        CREATE ROLE orders_owner LOGIN;
    END IF;
END
$$;

CREATE DATABASE orders OWNER orders_owner;
