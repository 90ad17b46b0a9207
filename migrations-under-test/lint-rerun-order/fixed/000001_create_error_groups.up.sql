-- Error groups of the crash reporter: one row per distinct stack trace.
CREATE TABLE IF NOT EXISTS error_groups (
    id bigserial PRIMARY KEY,
    fingerprint text NOT NULL UNIQUE,
    crash_count integer,
    first_seen timestamptz NOT NULL DEFAULT now()
);
-- The column's comment is written in 000003, under the name it keeps.
