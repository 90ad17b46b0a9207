-- Plans and their features. Every run consumes serial values, even for rows that conflict.
INSERT INTO plans (code, price_cents) VALUES
    ('free', 0),
    ('team', 2900),
    ('business', 9900)
ON CONFLICT (code) DO NOTHING;

INSERT INTO plan_features (plan_id, feature)
SELECT p.id, f.feature
FROM plans p
JOIN (VALUES ('free', 'projects'), ('team', 'projects'), ('team', 'sso'), ('business', 'audit')) AS f (code, feature)
    ON f.code = p.code
ON CONFLICT (plan_id, feature) DO NOTHING;
