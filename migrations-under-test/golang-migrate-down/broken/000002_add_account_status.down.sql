-- The column goes; the type it used is forgotten.
ALTER TABLE accounts DROP COLUMN status;
