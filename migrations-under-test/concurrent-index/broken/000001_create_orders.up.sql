-- Orders, looked up by the customer's e-mail once the shop is live.
CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_email text NOT NULL,
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    placed_at timestamptz NOT NULL DEFAULT now()
);
