-- The plans every installation starts with. ON CONFLICT keeps a later boot from adding them
-- again, or from overwriting a price changed since.
INSERT INTO billing.plan (code, name, price_cents) VALUES
  ('free', 'Free', 0),
  ('team', 'Team', 1500),
  ('business', 'Business', 4900)
ON CONFLICT (code) DO NOTHING;
