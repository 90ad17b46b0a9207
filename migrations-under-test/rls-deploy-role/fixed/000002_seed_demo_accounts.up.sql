-- The demo tenants every environment starts with, each written as its own tenant: the policy
-- applies to the deploy role too (FORCE), and a superuser's run would hide that.
SET LOCAL app.tenant = 'acme';
INSERT INTO accounts (id, tenant, plan) VALUES (1, 'acme', 'pro') ON CONFLICT (id) DO NOTHING;
SET LOCAL app.tenant = 'globex';
INSERT INTO accounts (id, tenant, plan) VALUES (2, 'globex', 'free') ON CONFLICT (id) DO NOTHING;
