-- Message templates per event and channel; the table has no primary or unique key.
CREATE TABLE IF NOT EXISTS notification_templates (
    event    text NOT NULL,
    channel  text NOT NULL,
    subject  text NOT NULL,
    body     text NOT NULL
);

CREATE INDEX IF NOT EXISTS notification_templates_event_idx
    ON notification_templates (event, channel);
