-- Tenants: a random uuid key and a natural key (slug) that seeds conflict on.
CREATE TABLE IF NOT EXISTS tenants (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text        NOT NULL UNIQUE,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    invite_code text        NOT NULL DEFAULT md5(random()::text)
);
