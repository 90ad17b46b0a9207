CREATE TABLE sessions (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL,
  token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
