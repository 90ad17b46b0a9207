-- Undo 000003: accounts without a plan, and no legacy plan.
ALTER TABLE accounts DROP COLUMN IF EXISTS plan_id;
DELETE FROM plans WHERE code = 'legacy';
