-- Default templates: a plain INSERT, so every run adds the same rows again.
INSERT INTO notification_templates (event, channel, subject, body) VALUES
    ('expiring', 'email', 'Certificate {{cn}} expires soon', '{{cn}} expires on {{not_after}}.'),
    ('revoked', 'email', 'Certificate {{cn}} was revoked', '{{cn}} was revoked by {{actor}}.'),
    ('renewal_failed', 'webhook', 'Renewal failed', '{"cn": "{{cn}}", "error": "{{error}}"}');
