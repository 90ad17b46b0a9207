--- migration:up
CREATE TABLE price_lists (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    currency char(3) NOT NULL REFERENCES currencies (code),
    name text NOT NULL
);
--- migration:down
DROP TABLE price_lists;
--- migration:end
