-- Groups imported from the old tracker, through a scratch table that 000005 drops again.
CREATE TABLE IF NOT EXISTS import_batches (batch integer, note text);
INSERT INTO import_batches VALUES (1, 'legacy tracker');
INSERT INTO error_groups (fingerprint) VALUES ('legacy-import') ON CONFLICT (fingerprint) DO NOTHING;
DO $$
BEGIN
    -- Imported groups have no count yet; once 000003 renamed the column, there is nothing to do.
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = 'error_groups' AND column_name = 'crash_count') THEN
        UPDATE error_groups SET crash_count = 0 WHERE crash_count IS NULL;
    END IF;
END $$;
