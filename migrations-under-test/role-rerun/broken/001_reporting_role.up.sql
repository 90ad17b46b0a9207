-- A read-only role for the reporting service, and the table it reads.
CREATE ROLE reporting NOLOGIN;

CREATE TABLE IF NOT EXISTS invoices (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer  text NOT NULL,
    total     numeric(12, 2) NOT NULL
);

GRANT SELECT ON invoices TO reporting;
