-- codd: no-txn
-- Cancels orders unpaid since before April and credits their totals back (no-txn: a new enum value is usable only once committed).
ALTER TYPE order_status ADD VALUE 'cancelled';

UPDATE orders SET status = 'cancelled'
WHERE status = 'pending' AND placed_at < DATE '2024-04-01';

UPDATE customers c SET credit_cents = c.credit_cents + t.total
FROM (SELECT customer_id, sum(total_cents) AS total FROM orders WHERE status = 'cancelled' GROUP BY customer_id) t
WHERE c.id = t.customer_id;
