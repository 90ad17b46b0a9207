DROP INDEX IF EXISTS sessions_account_id_idx;
