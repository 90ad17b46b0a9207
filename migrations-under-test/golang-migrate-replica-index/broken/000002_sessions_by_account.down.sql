DROP INDEX CONCURRENTLY IF EXISTS sessions_account_id_idx;
