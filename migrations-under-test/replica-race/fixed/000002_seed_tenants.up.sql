INSERT INTO tenants (slug, name) VALUES ('default', 'Default tenant')
ON CONFLICT (slug) DO NOTHING;
