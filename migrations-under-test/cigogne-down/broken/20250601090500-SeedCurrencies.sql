-- The currencies every price list starts with.
--- migration:up
INSERT INTO currencies (code, name) VALUES ('EUR', 'Euro'), ('USD', 'US dollar'), ('GBP', 'Pound sterling');
--- migration:down
DELETE FROM currencies WHERE code = 'EUR';
--- migration:end
