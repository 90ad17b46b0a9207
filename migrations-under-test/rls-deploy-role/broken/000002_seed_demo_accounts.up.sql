-- The demo tenants every environment starts with.
INSERT INTO accounts (id, tenant, plan) VALUES
    (1, 'acme', 'pro'),
    (2, 'globex', 'free')
ON CONFLICT (id) DO NOTHING;
