CREATE TABLE IF NOT EXISTS accounts (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  plan_code text NOT NULL DEFAULT 'free' REFERENCES plans (code),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS accounts_plan_code_idx ON accounts (plan_code);
