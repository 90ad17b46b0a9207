-- Every ticket has an owner from now on: the form requires one.
ALTER TABLE tickets ALTER COLUMN assignee SET NOT NULL;
