-- Invoices, one per customer and billing period, looked up by customer.
CREATE TABLE invoices (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    period daterange NOT NULL,
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    status text NOT NULL DEFAULT 'open'
);
CREATE INDEX invoices_customer_id_idx ON invoices (customer_id);
