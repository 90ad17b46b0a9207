-- Subscription plans, looked up by code, with the two plans the service launches with.
BEGIN;
CREATE TABLE plans (
    id bigint PRIMARY KEY,
    code text NOT NULL UNIQUE,
    monthly_cents bigint NOT NULL CHECK (monthly_cents >= 0)
);
INSERT INTO plans (id, code, monthly_cents) VALUES (1, 'free', 0), (2, 'pro', 1900);
COMMIT;
