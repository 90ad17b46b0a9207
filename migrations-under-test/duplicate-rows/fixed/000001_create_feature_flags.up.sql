-- Feature flags of the certificate service, keyed by name; seeded idempotently.
CREATE TABLE IF NOT EXISTS feature_flags (
    name     text PRIMARY KEY,
    enabled  boolean NOT NULL DEFAULT false
);

INSERT INTO feature_flags (name, enabled) VALUES
    ('auto_renewal', true),
    ('ocsp_stapling', false)
ON CONFLICT (name) DO NOTHING;
