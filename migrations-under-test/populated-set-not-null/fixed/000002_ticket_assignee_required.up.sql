-- Every ticket has an owner from now on: the form requires one. Tickets nobody took go to triage.
UPDATE tickets SET assignee = 'triage' WHERE assignee IS NULL;

ALTER TABLE tickets ALTER COLUMN assignee SET NOT NULL;
