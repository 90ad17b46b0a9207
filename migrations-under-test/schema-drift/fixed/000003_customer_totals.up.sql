-- What each customer has spent, for the account page.
CREATE VIEW customer_totals AS
SELECT c.id AS customer_id,
       c.email,
       count(o.id) AS orders,
       coalesce(sum(o.total_cents), 0) AS total_cents
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.email;
