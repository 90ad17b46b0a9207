-- Error groups of the crash reporter: one row per distinct stack trace.
CREATE TABLE IF NOT EXISTS error_groups (
    id bigserial PRIMARY KEY,
    fingerprint text NOT NULL UNIQUE,
    crash_count integer,
    first_seen timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN error_groups.crash_count IS 'crashes seen in this group';
