-- Undo 000001: drop the customers table.
DROP TABLE customers;
