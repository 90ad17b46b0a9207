-- The plans a tenant can pick, with their monthly price.
--- migration:up
CREATE TABLE plans (
    code text PRIMARY KEY,
    monthly_cents integer NOT NULL CHECK (monthly_cents >= 0)
);

INSERT INTO plans (code, monthly_cents) VALUES ('free', 0), ('team', 2900)
ON CONFLICT (code) DO NOTHING;
--- migration:down
DROP TABLE plans;
--- migration:end
