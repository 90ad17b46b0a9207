-- Login sessions of the web app.
-- migrate:up
CREATE TABLE sessions (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    token text NOT NULL,
    expires_at timestamptz NOT NULL
);

-- migrate:down
DROP TABLE sessions;
