CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  tenant_id bigint NOT NULL REFERENCES tenants (id),
  email text NOT NULL,
  role text NOT NULL DEFAULT 'member',
  UNIQUE (tenant_id, email)
);
CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);
