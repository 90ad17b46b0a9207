-- Customers and their orders, the status an enum; seeded with COPY as pg_dump writes it.
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');

CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    credit_cents bigint NOT NULL DEFAULT 0
);

CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'pending',
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    placed_at date NOT NULL
);

COPY customers (id, email) FROM STDIN;
1	ana@example.com
2	bo@example.com
3	chen@example.com
\.

COPY orders (id, customer_id, status, total_cents, placed_at) FROM STDIN;
10	1	paid	4500	2024-03-02
11	1	pending	1200	2024-03-10
12	2	pending	9900	2024-03-15
13	3	shipped	2500	2024-04-20
14	3	pending	700	2024-04-28
\.
