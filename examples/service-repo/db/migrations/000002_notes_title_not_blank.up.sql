-- ADD CONSTRAINT has no IF NOT EXISTS: look the constraint up first, or the second boot fails
-- with 42710.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'notes_title_not_blank') THEN
        ALTER TABLE notes ADD CONSTRAINT notes_title_not_blank CHECK (btrim(title) <> '');
    END IF;
END
$$;
