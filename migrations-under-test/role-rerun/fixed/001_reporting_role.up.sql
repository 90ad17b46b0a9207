-- A read-only role for the reporting service, and the table it reads. CREATE ROLE has no
-- IF NOT EXISTS: the role is made only when pg_roles does not have it yet.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reporting') THEN
        CREATE ROLE reporting NOLOGIN;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS invoices (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer  text NOT NULL,
    total     numeric(12, 2) NOT NULL
);

GRANT SELECT ON invoices TO reporting;
