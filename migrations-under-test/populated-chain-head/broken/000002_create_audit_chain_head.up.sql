-- The head of the hash chain over audit_events: the hash of the newest event. The verifier walks
-- the chain back from it; the application appends each new event's hash to it.
CREATE TABLE IF NOT EXISTS audit_chain_head (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    head text NOT NULL
);

INSERT INTO audit_chain_head (id, head) VALUES (true, '') ON CONFLICT (id) DO NOTHING;
