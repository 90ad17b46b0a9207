-- Agents and the certificates deployed on them, created together in one explicit transaction.
BEGIN;

CREATE TABLE IF NOT EXISTS agents (
    id            text PRIMARY KEY,
    hostname      text NOT NULL,
    last_seen_at  timestamptz
);

CREATE TABLE IF NOT EXISTS agent_certificates (
    agent_id        text   NOT NULL REFERENCES agents (id),
    certificate_id  bigint NOT NULL REFERENCES certificates (id),
    PRIMARY KEY (agent_id, certificate_id)
);

CREATE INDEX IF NOT EXISTS agent_certificates_certificate_id_idx
    ON agent_certificates (certificate_id);

COMMIT;
