-- Customers and their orders; the status an enum.
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE
);

CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'pending',
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    placed_at date NOT NULL
);

INSERT INTO customers (id, email) VALUES
    (1, 'ana@example.com'),
    (2, 'bo@example.com');

INSERT INTO orders (id, customer_id, status, total_cents, placed_at) VALUES
    (10, 1, 'paid', 4500, DATE '2024-06-02'),
    (11, 1, 'shipped', 1200, DATE '2024-06-10'),
    (12, 2, 'pending', 9900, DATE '2024-06-15');
