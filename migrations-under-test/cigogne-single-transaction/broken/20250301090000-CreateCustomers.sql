-- Customers who book rooms; the e-mail is how they sign in.
--- migration:up
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    full_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
--- migration:down
DROP TABLE customers;
--- migration:end
