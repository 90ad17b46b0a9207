-- Alone in its file, so PostgreSQL runs it outside any transaction block.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_email_idx ON orders (customer_email);
