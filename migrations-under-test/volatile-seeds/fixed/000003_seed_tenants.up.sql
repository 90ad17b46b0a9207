-- The tenants every installation starts with (the Cigogne note's "correct" seed).
INSERT INTO tenants (slug, name) VALUES
    ('acme', 'Acme Corp'),
    ('globex', 'Globex')
ON CONFLICT (slug) DO NOTHING;
