-- Never run by the boot-time runner; kept for the down check.
DROP TABLE IF EXISTS audit_events;
