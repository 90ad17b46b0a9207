-- Undo 000002: drop the accounts.
DROP TABLE accounts;
