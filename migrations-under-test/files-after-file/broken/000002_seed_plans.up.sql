-- The plans every account can be on.
INSERT INTO plans (code, name, price_cents) VALUES
  ('free', 'Free', 0),
  ('team', 'Team', 2900);
