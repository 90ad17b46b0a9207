-- codd: no-txn
-- A launch credit for every account opened before the launch, in batches by account id so that
-- no transaction holds its locks for long on the live table. A batch run again grants nothing twice.
INSERT INTO credit_grants (account_id, reason, cents)
SELECT id, 'launch-credit', 500 FROM accounts WHERE created_at < DATE '2024-07-01' AND id BETWEEN 1 AND 2
ON CONFLICT (account_id, reason) DO NOTHING;

INSERT INTO credit_grants (account_id, reason, cents)
SELECT id, 'launch-credit', 500 FROM accounts WHERE created_at < DATE '2024-07-01' AND id BETWEEN 3 AND 4
ON CONFLICT (account_id, reason) DO NOTHING;
