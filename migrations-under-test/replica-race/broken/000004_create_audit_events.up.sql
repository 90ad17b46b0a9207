CREATE TABLE IF NOT EXISTS audit_events (
    id text PRIMARY KEY,
    tenant_slug text NOT NULL REFERENCES tenants (slug),
    action text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS audit_events_tenant_idx ON audit_events (tenant_slug, occurred_at);
