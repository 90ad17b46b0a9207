CREATE TABLE invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    amount_cents integer NOT NULL CHECK (amount_cents >= 0)
);
CREATE INDEX invoices_account_id_idx ON invoices (account_id);
