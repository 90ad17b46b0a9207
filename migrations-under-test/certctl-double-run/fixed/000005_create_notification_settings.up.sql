-- Notification settings: which events are sent on which channel, globally or per agent.
CREATE TABLE IF NOT EXISTS notification_settings (
    scope    text    NOT NULL,  -- 'global' or an agent id
    channel  text    NOT NULL,  -- 'email' or 'webhook'
    event    text    NOT NULL,  -- 'expiring', 'revoked', 'renewal_failed'
    enabled  boolean NOT NULL DEFAULT true,
    CONSTRAINT notification_settings_scope_channel_event_key UNIQUE (scope, channel, event)
);
