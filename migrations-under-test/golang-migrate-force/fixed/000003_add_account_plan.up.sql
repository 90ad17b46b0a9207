-- Every account gets a plan: accounts made before plans existed go on a legacy plan at the free price.
-- One transaction: x-multi-statement sends each statement on its own, so without it a failure
-- would leave the column and not the rest.
BEGIN;
ALTER TABLE accounts ADD COLUMN plan_id bigint REFERENCES plans (id);
INSERT INTO plans (id, code, monthly_cents) VALUES (3, 'legacy', 0);
UPDATE accounts SET plan_id = 3 WHERE plan_id IS NULL;
ALTER TABLE accounts ALTER COLUMN plan_id SET NOT NULL;
COMMIT;
