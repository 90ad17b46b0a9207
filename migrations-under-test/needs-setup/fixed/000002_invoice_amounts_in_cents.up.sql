-- Amounts move to integer cents. The backfill runs only on rows not converted yet, so running
-- the file again changes nothing, and both amounts are converted the same way.
ALTER TABLE billing.invoices ADD COLUMN IF NOT EXISTS total_cents bigint;
ALTER TABLE billing.invoices ADD COLUMN IF NOT EXISTS paid_cents bigint;

UPDATE billing.invoices
SET total_cents = total * 100,
    paid_cents = paid * 100
WHERE total_cents IS NULL;
