CREATE TABLE IF NOT EXISTS feature_flags (
  key text PRIMARY KEY,
  enabled boolean NOT NULL DEFAULT false
);
INSERT INTO feature_flags (key, enabled) VALUES
  ('new_billing', false),
  ('audit_log', true)
ON CONFLICT (key) DO NOTHING;
