-- Contact addresses get a table of their own; customers.email goes in a later release.
CREATE TABLE IF NOT EXISTS customer_contacts (
  customer_id bigint PRIMARY KEY REFERENCES customers (id),
  email text NOT NULL
);
INSERT INTO customer_contacts (customer_id, email)
SELECT id, email FROM customers WHERE email IS NOT NULL;
