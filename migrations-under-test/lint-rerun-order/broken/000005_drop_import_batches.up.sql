-- The import is done: the scratch table goes.
DROP TABLE IF EXISTS import_batches;
