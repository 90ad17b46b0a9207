CREATE TABLE IF NOT EXISTS billing.invoices (
    id integer PRIMARY KEY,
    customer_email citext NOT NULL,
    total numeric(12, 2) NOT NULL,
    paid numeric(12, 2) NOT NULL DEFAULT 0
);

GRANT SELECT ON billing.invoices TO billing_reader;

INSERT INTO billing.invoices (id, customer_email, total, paid) VALUES
    (1, 'Ada@Example.com', 120.00, 120.00),
    (2, 'grace@example.com', 45.50, 0),
    (3, 'Linus@example.com', 80.25, 40.00)
ON CONFLICT (id) DO NOTHING;
