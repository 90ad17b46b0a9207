-- Look sessions up by token without locking logins out while the index builds: outside a transaction.
-- migrate:up transaction:false
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS sessions_token_key ON sessions (token);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY sessions_token_key;
