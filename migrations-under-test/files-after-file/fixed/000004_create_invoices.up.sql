CREATE TABLE IF NOT EXISTS invoices (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  issued_on date NOT NULL DEFAULT current_date
);
CREATE INDEX IF NOT EXISTS invoices_account_id_idx ON invoices (account_id);
