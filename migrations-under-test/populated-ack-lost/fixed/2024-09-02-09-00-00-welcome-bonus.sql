-- codd: no-txn
-- The welcome bonus for every wallet opened so far, outside a transaction so that the live
-- table is not locked for long; a wallet is paid once, however often this runs.
UPDATE wallets
SET balance_cents = balance_cents + 500, welcome_bonus_paid = true
WHERE NOT welcome_bonus_paid;
