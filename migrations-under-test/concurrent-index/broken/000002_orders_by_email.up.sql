-- Built without blocking the shop's writes, next to the column the support team asked for.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS external_ref text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_email_idx ON orders (customer_email);
