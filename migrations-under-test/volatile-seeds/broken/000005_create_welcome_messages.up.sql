-- Messages shown to a tenant's first user: no unique key, and the seed inserts unconditionally.
CREATE TABLE IF NOT EXISTS welcome_messages (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id),
    body       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

INSERT INTO welcome_messages (tenant_id, body)
SELECT t.id, 'Welcome to Acme!'
FROM tenants t
WHERE t.slug = 'acme';
