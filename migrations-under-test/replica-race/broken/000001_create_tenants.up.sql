CREATE TABLE IF NOT EXISTS tenants (
    slug text PRIMARY KEY,
    display_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO tenants (slug, display_name) VALUES ('default', 'Default tenant')
ON CONFLICT (slug) DO NOTHING;
