-- Case-insensitive sign-in: add email_normalized, backfill it and make it unique, in one transaction and safe to run again.
ALTER TABLE customers ADD COLUMN IF NOT EXISTS email_normalized text;
UPDATE customers SET email_normalized = lower(btrim(email)) WHERE email_normalized IS NULL;
ALTER TABLE customers ALTER COLUMN email_normalized SET NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS customers_email_normalized_key ON customers (email_normalized);
