-- Chain the events that have no hash yet, oldest first, on from the current head, and move the
-- head only when an event was chained: run again, it finds nothing and leaves the head alone.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS row_hash text;

DO $$
DECLARE
    event record;
    last_hash text;
    chained integer := 0;
BEGIN
    SELECT head INTO last_hash FROM audit_chain_head WHERE id;
    FOR event IN
        SELECT id, actor, action, payload FROM audit_events WHERE row_hash IS NULL ORDER BY id
    LOOP
        last_hash := md5(coalesce(last_hash, '') || event.id::text || event.actor || event.action || coalesce(event.payload::text, ''));
        UPDATE audit_events SET row_hash = last_hash WHERE id = event.id;
        chained := chained + 1;
    END LOOP;
    IF chained > 0 THEN
        UPDATE audit_chain_head SET head = last_hash WHERE id;
    END IF;
END $$;
