-- Undo 000002: drop the invoices table.
DROP TABLE invoices;
