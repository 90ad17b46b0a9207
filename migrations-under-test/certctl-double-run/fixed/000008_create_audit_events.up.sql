-- Audit trail of certificate operations (issue, renew, revoke, deploy).
CREATE TABLE IF NOT EXISTS audit_events (
    id              bigserial PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    certificate_id  bigint REFERENCES certificates (id),
    details         jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS audit_events_certificate_id_idx ON audit_events (certificate_id);
CREATE INDEX IF NOT EXISTS audit_events_occurred_at_idx ON audit_events (occurred_at);
