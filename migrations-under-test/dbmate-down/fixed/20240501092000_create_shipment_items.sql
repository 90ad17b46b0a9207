-- migrate:up
CREATE TABLE shipment_items (
    shipment_id bigint NOT NULL REFERENCES shipments (id),
    sku text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, sku)
);

-- migrate:down
DROP TABLE shipment_items;
