-- migrate:up
CREATE TABLE warehouses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE
);

-- migrate:down
DROP TABLE warehouses;
