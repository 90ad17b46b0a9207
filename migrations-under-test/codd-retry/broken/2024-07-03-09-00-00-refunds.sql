-- A refunded status, and when an order was refunded; the order support refunded by hand last month is marked.
ALTER TYPE order_status ADD VALUE 'refunded';
-- A new enum value cannot be used in the transaction that adds it: commit it, and go on in a new one.
COMMIT;
BEGIN;

ALTER TABLE orders ADD COLUMN refunded_at timestamptz;

UPDATE orders SET refunded_at = TIMESTAMPTZ '2024-06-20 10:00:00+00' WHERE id = 11;

UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
