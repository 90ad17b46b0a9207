-- Notification settings per recipient: the key becomes (scope, channel, event, recipient).
ALTER TABLE notification_settings ADD COLUMN IF NOT EXISTS recipient text NOT NULL DEFAULT '';

CREATE UNIQUE INDEX IF NOT EXISTS notification_settings_recipient_key
    ON notification_settings (scope, channel, event, recipient);

ALTER TABLE notification_settings
    DROP CONSTRAINT IF EXISTS notification_settings_scope_channel_event_key;
