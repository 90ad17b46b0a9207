-- Contact addresses get a table of their own; customers.email goes in a later release.
CREATE TABLE IF NOT EXISTS customer_contacts (
  customer_id bigint PRIMARY KEY REFERENCES customers (id),
  email text NOT NULL
);
-- A run again (a crash before the runner recorded this file) keeps the contacts already copied.
INSERT INTO customer_contacts (customer_id, email)
SELECT id, email FROM customers WHERE email IS NOT NULL
ON CONFLICT (customer_id) DO NOTHING;
