-- Who may book for a tenant.
--- migration:up
CREATE TABLE memberships (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_email text NOT NULL,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (tenant_id, user_email)
);

-- Look up a user's tenants by e-mail at sign-in.
CREATE INDEX memberships_user_email_idx ON memberships (user_email);

-- Each tenant's owners, for the billing page.
CREATE INDEX memberships_owner_idx ON memberships (tenant_id) WHERE role = 'owner';
--- migration:down
DROP TABLE memberships;
--- migration:end
