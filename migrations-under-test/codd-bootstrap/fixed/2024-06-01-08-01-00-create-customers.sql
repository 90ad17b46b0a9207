-- The service's customers, created by its own role (CODD_CONNECTION=postgres://orders_owner@…/orders).
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE
);

COPY customers (id, email) FROM STDIN;
1	ana@example.com
2	bo@example.com
\.
