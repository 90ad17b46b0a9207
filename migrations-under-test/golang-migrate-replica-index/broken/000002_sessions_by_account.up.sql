-- Look up an account's sessions without locking the table against writes while the index builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS sessions_account_id_idx ON sessions (account_id);
