-- Prices are shown with VAT from now on: store them that way.
ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_rate numeric(4, 2) NOT NULL DEFAULT 0.20;

DO $$
BEGIN
  -- Installations migrated by hand may lack the column: add VAT only where it is known.
  IF EXISTS (SELECT 1 FROM information_schema.columns
             WHERE table_schema = 'billing' AND table_name = 'plan' AND column_name = 'vat_rate') THEN
    UPDATE billing.plan
       SET price_cents = round(price_cents * (1 + vat_rate));
  END IF;
END
$$;
