-- Look up an account's sessions. Built in the migration's own transaction while the table is new:
-- replicas that boot at once wait on golang-migrate's lock, and the first one builds it.
CREATE INDEX IF NOT EXISTS sessions_account_id_idx ON sessions (account_id);
