-- Look sessions up by token without locking logins out while the index builds: outside a transaction.
-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS sessions_token_key ON sessions (token);

-- migrate:down transaction:false
-- Outside a transaction the row goes after the index: if the rollback stops in between, the next
-- one drops the index again, which must then be a no-op.
DROP INDEX CONCURRENTLY IF EXISTS sessions_token_key;
