-- Build the unique index on external_ref without blocking checkout: alone, outside a transaction, skipped if an earlier run built it.
-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_external_ref_key ON orders (external_ref);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS orders_external_ref_key;
