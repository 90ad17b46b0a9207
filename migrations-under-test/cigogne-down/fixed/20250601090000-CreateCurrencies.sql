--- migration:up
CREATE TABLE currencies (
    code char(3) PRIMARY KEY,
    name text NOT NULL
);
--- migration:down
DROP TABLE currencies;
--- migration:end
