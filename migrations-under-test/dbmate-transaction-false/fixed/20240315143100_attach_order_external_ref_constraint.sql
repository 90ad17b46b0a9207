-- Attach the unique index built by the previous migration as the external_ref constraint.
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_external_ref_key UNIQUE USING INDEX orders_external_ref_key;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_external_ref_key;
