-- What must hold after every migration run: the cents columns say the same amounts as the
-- decimal columns they replace, so an invoice paid in full stays paid in full.
SELECT count(*) = 0 FROM billing.invoices WHERE total_cents IS DISTINCT FROM total * 100 OR paid_cents IS DISTINCT FROM paid * 100;

-- The reporting role can still read every invoice.
SELECT has_table_privilege('billing_reader', 'billing.invoices', 'SELECT');
