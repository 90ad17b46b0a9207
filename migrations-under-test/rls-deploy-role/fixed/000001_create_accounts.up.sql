-- Accounts of every tenant in one table; each session sees only its tenant's rows, and so does
-- the table's owner (FORCE), which is the role the service deploys its migrations with.
CREATE TABLE IF NOT EXISTS accounts (
    id integer PRIMARY KEY,
    tenant text NOT NULL,
    plan text NOT NULL DEFAULT 'free'
);
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON accounts;
CREATE POLICY tenant_isolation ON accounts USING (tenant = current_setting('app.tenant', true));
