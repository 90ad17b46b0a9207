-- codd: no-txn
-- Cancels orders unpaid since before April and credits their totals back, in one statement that changes nothing when run again.
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';

WITH cancelled AS (
    UPDATE orders SET status = 'cancelled'
    WHERE status = 'pending' AND placed_at < DATE '2024-04-01'
    RETURNING customer_id, total_cents
)
UPDATE customers c SET credit_cents = c.credit_cents + t.total
FROM (SELECT customer_id, sum(total_cents) AS total FROM cancelled GROUP BY customer_id) t
WHERE c.id = t.customer_id;
