CREATE TABLE IF NOT EXISTS certificates (
    id text PRIMARY KEY,
    tenant_slug text NOT NULL REFERENCES tenants (slug),
    common_name text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    expires_at timestamptz
);

CREATE INDEX IF NOT EXISTS certificates_expires_at_idx ON certificates (expires_at);
