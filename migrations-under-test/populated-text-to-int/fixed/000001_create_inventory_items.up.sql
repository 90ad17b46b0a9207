-- The stock importer stored quantities as it read them from the suppliers' sheets.
CREATE TABLE inventory_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    quantity text
);
