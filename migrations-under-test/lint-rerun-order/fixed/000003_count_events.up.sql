-- The reporter now counts every event, not only crashes.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = 'public' AND table_name = 'error_groups' AND column_name = 'crash_count') THEN
        ALTER TABLE error_groups RENAME COLUMN crash_count TO event_count;
    END IF;
END $$;
COMMENT ON COLUMN error_groups.event_count IS 'events seen in this group';
