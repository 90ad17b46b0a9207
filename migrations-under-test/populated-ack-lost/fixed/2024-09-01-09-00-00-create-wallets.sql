-- Prepaid wallets; welcome_bonus_paid says whether the welcome bonus went in.
CREATE TABLE wallets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner text NOT NULL,
    balance_cents bigint NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    welcome_bonus_paid boolean NOT NULL DEFAULT false
);
