CREATE TABLE IF NOT EXISTS tags (
    name text PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS note_tags (
    note_id bigint NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    tag     text   NOT NULL REFERENCES tags (name),
    PRIMARY KEY (note_id, tag)
);

-- The seed runs at every boot too: without ON CONFLICT the second boot would fail on the key.
INSERT INTO tags (name) VALUES ('todo'), ('idea'), ('reference')
ON CONFLICT (name) DO NOTHING;
