-- Every account gets a plan: accounts made before plans existed go on a legacy plan at the free price.
ALTER TABLE accounts ADD COLUMN plan_id bigint REFERENCES plans (id);
INSERT INTO plans (id, code, monthly_cents) VALUES (3, 'legacy', 0);
UPDATE accounts SET plan_id = 3 WHERE plan_id IS NULL;
ALTER TABLE accounts ALTER COLUMN plan_id SET NOT NULL;
