-- Default templates: each inserted only if its (event, channel) is missing, so re-runs add nothing.
INSERT INTO notification_templates (event, channel, subject, body)
SELECT v.event, v.channel, v.subject, v.body
FROM (VALUES
    ('expiring', 'email', 'Certificate {{cn}} expires soon', '{{cn}} expires on {{not_after}}.'),
    ('revoked', 'email', 'Certificate {{cn}} was revoked', '{{cn}} was revoked by {{actor}}.'),
    ('renewal_failed', 'webhook', 'Renewal failed', '{"cn": "{{cn}}", "error": "{{error}}"}')
) AS v (event, channel, subject, body)
WHERE NOT EXISTS (
    SELECT 1 FROM notification_templates t
    WHERE t.event = v.event AND t.channel = v.channel
);
