-- Case-insensitive sign-in: add email_normalized, backfill it in a second transaction (short ALTER lock), then make it unique.
BEGIN;
ALTER TABLE customers ADD COLUMN email_normalized text;
COMMIT;

BEGIN;
UPDATE customers SET email_normalized = lower(btrim(email));
ALTER TABLE customers ALTER COLUMN email_normalized SET NOT NULL;
CREATE UNIQUE INDEX customers_email_normalized_key ON customers (email_normalized);
COMMIT;
