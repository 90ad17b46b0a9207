-- Issuers: the certificate authorities the service requests certificates from.
CREATE TABLE IF NOT EXISTS issuers (
    id        text PRIMARY KEY,
    name      text NOT NULL,
    kind      text NOT NULL,
    endpoint  text
);
