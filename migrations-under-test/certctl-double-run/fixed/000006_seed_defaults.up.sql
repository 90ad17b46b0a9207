-- Default issuers and the global notification settings every installation starts with.
INSERT INTO issuers (id, name, kind, endpoint) VALUES
    ('local-ca', 'Local CA', 'local', NULL),
    ('letsencrypt', 'Let''s Encrypt', 'acme', 'https://acme-v02.api.letsencrypt.org/directory')
ON CONFLICT (id) DO NOTHING;

-- No conflict target: 000007 replaces the (scope, channel, event) key by one that adds
-- recipient, so no target exists both on the first run and on every later one.
INSERT INTO notification_settings (scope, channel, event, enabled) VALUES
    ('global', 'email', 'expiring', true),
    ('global', 'email', 'revoked', true),
    ('global', 'email', 'renewal_failed', true),
    ('global', 'webhook', 'renewal_failed', false)
ON CONFLICT DO NOTHING;
