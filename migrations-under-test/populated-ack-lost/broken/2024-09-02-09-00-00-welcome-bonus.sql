-- codd: no-txn
-- The welcome bonus for every wallet opened so far, outside a transaction so that the live
-- table is not locked for long.
UPDATE wallets SET balance_cents = balance_cents + 500;
