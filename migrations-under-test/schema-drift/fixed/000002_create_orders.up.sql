-- Amounts in cents: bigint, since a wholesale order can pass 21 million (integer's limit in cents).
CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  status text NOT NULL DEFAULT 'open',
  placed_at timestamptz NOT NULL DEFAULT now()
);

-- The order history page lists a customer's orders, newest first.
CREATE INDEX orders_customer_id_idx ON orders (customer_id, placed_at DESC);
