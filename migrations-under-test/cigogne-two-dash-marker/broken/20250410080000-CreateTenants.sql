-- Tenants of the booking service; the slug is the tenant's name in its URL.
--- migration:up
CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL UNIQUE,
    name text NOT NULL
);
--- migration:down
DROP TABLE tenants;
--- migration:end
