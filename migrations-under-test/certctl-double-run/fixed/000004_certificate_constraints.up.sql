-- Certificates: only known statuses, no serial reused per issuer (guarded: safe to re-run).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'certificates_status_check'
                     AND conrelid = 'certificates'::regclass) THEN
        ALTER TABLE certificates
            ADD CONSTRAINT certificates_status_check
            CHECK (status IN ('pending', 'active', 'revoked', 'expired'));
    END IF;
END $$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'certificates_issuer_serial_key'
                     AND conrelid = 'certificates'::regclass) THEN
        ALTER TABLE certificates
            ADD CONSTRAINT certificates_issuer_serial_key UNIQUE (issuer_id, serial);
    END IF;
END $$;
