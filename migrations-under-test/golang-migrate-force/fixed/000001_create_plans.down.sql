-- Undo 000001: drop the plans.
DROP TABLE plans;
