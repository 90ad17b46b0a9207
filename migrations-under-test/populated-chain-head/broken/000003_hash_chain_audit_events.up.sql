-- Chain the events that have no hash yet, oldest first, and move the head to the last one.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS row_hash text;

DO $$
DECLARE
    event record;
    last_hash text := '';
BEGIN
    FOR event IN
        SELECT id, actor, action, payload FROM audit_events WHERE row_hash IS NULL ORDER BY id
    LOOP
        last_hash := md5(last_hash || event.id::text || event.actor || event.action || coalesce(event.payload::text, ''));
        UPDATE audit_events SET row_hash = last_hash WHERE id = event.id;
    END LOOP;
    UPDATE audit_chain_head SET head = last_hash WHERE id;
END $$;
