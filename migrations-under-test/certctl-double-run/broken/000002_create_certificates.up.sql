-- Certificates issued to the service's agents, one row per issued certificate.
CREATE TABLE IF NOT EXISTS certificates (
    id           bigserial PRIMARY KEY,
    issuer_id    text NOT NULL REFERENCES issuers (id),
    common_name  text NOT NULL,
    serial       text NOT NULL,
    status       text NOT NULL DEFAULT 'pending',
    not_before   timestamptz,
    not_after    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS certificates_issuer_id_idx ON certificates (issuer_id);
CREATE INDEX IF NOT EXISTS certificates_not_after_idx ON certificates (not_after);
