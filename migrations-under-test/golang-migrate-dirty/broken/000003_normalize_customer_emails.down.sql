-- Undo 000003: drop the normalised e-mail column and its unique index.
DROP INDEX IF EXISTS customers_email_normalized_key;
ALTER TABLE customers DROP COLUMN IF EXISTS email_normalized;
