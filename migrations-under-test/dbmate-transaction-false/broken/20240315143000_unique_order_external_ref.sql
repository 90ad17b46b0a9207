-- Make external_ref unique without blocking checkout: build the index concurrently, then attach it as the constraint.
-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY orders_external_ref_key ON orders (external_ref);
ALTER TABLE orders ADD CONSTRAINT orders_external_ref_key UNIQUE USING INDEX orders_external_ref_key;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_external_ref_key;
