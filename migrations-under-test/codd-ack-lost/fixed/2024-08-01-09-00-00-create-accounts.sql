-- Accounts and the credit granted to them: one grant per account and reason.
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at date NOT NULL
);

CREATE TABLE credit_grants (
    account_id bigint NOT NULL REFERENCES accounts (id),
    reason text NOT NULL,
    cents bigint NOT NULL CHECK (cents > 0),
    PRIMARY KEY (account_id, reason)
);

INSERT INTO accounts (id, email, created_at) VALUES
    (1, 'ana@example.com', DATE '2024-01-15'),
    (2, 'bo@example.com', DATE '2024-03-02'),
    (3, 'chen@example.com', DATE '2024-05-20'),
    (4, 'dee@example.com', DATE '2024-07-30');
