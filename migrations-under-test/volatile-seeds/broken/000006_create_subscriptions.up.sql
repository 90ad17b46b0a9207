-- Subscriptions: a serial key, foreign keys to a uuid key and to a serial key, a random token.
CREATE TABLE IF NOT EXISTS subscriptions (
    id         bigserial   PRIMARY KEY,
    tenant_id  uuid        NOT NULL REFERENCES tenants (id),
    plan_id    integer     NOT NULL REFERENCES plans (id),
    token      uuid        NOT NULL DEFAULT gen_random_uuid(),
    started_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id)
);

INSERT INTO subscriptions (tenant_id, plan_id)
SELECT t.id, p.id
FROM tenants t
JOIN plans p ON p.code = CASE t.slug WHEN 'acme' THEN 'business' ELSE 'team' END
ON CONFLICT (tenant_id) DO NOTHING;
