-- migrate:up
CREATE TABLE shipments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warehouse_id bigint NOT NULL REFERENCES warehouses (id),
    shipped_at timestamptz
);

-- migrate:down
DROP TABLE shipments;
