-- Attach the unique index built by the previous migration as the external_ref constraint.
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_external_ref_key UNIQUE USING INDEX orders_external_ref_key;

-- migrate:down
-- Dropping the constraint drops the index it took over: build the index again, as the previous
-- migration left it (in this transaction: a rollback is no time to wait for CONCURRENTLY).
ALTER TABLE orders DROP CONSTRAINT orders_external_ref_key;
CREATE UNIQUE INDEX orders_external_ref_key ON orders (external_ref);
