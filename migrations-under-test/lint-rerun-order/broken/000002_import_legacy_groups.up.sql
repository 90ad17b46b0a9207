-- Groups imported from the old tracker, through a scratch table that 000005 drops again.
CREATE TABLE IF NOT EXISTS import_batches (batch integer, note text);
INSERT INTO import_batches VALUES (1, 'legacy tracker');
INSERT INTO error_groups (fingerprint) VALUES ('legacy-import') ON CONFLICT (fingerprint) DO NOTHING;
DO $$
BEGIN
    -- Imported groups have no count yet.
    UPDATE error_groups SET crash_count = 0 WHERE crash_count IS NULL;
END $$;
