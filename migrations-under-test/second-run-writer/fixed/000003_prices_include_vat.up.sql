-- Prices are shown with VAT from now on: store them that way, once.
ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_rate numeric(4, 2) NOT NULL DEFAULT 0.20;
ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_included boolean NOT NULL DEFAULT false;

UPDATE billing.plan
   SET price_cents = round(price_cents * (1 + vat_rate)), vat_included = true
 WHERE NOT vat_included;
