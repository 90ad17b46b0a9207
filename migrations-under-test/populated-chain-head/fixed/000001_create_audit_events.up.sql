-- What users did, kept for the auditors.
CREATE TABLE IF NOT EXISTS audit_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor text NOT NULL,
    action text NOT NULL,
    payload jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
