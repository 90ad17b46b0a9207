-- Customers of the billing service, with the e-mail address they sign in with, and the service's own account.
CREATE TABLE customers (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (email, created_at) VALUES (' Billing@Example.com', '2024-01-15 09:30:00+00');
