-- Certificates: only known statuses, and an issuer never reuses a serial number.
ALTER TABLE certificates
    ADD CONSTRAINT certificates_status_check
    CHECK (status IN ('pending', 'active', 'revoked', 'expired'));

ALTER TABLE certificates
    ADD CONSTRAINT certificates_issuer_serial_key UNIQUE (issuer_id, serial);
