-- The column the support team asked for.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS external_ref text;
