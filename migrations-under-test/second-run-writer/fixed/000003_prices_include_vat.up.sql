-- Prices are shown with VAT from now on: store them that way.
ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_rate numeric(4, 2) NOT NULL DEFAULT 0.20;
ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_included boolean NOT NULL DEFAULT false;

DO $$
BEGIN
  -- Installations migrated by hand may lack the column: add VAT only where it is known, and
  -- only to prices that do not include it yet, so that the next boot changes nothing.
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = 'billing' AND table_name = 'plan' AND column_name = 'vat_rate') THEN
    UPDATE billing.plan
       SET price_cents = round(price_cents * (1 + vat_rate)), vat_included = true
     WHERE NOT vat_included;
  END IF;
END
$$;
