CREATE TABLE IF NOT EXISTS notification_channels (
    name text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT true
);

INSERT INTO notification_channels (name) VALUES ('email'), ('webhook'), ('slack')
ON CONFLICT (name) DO NOTHING;
