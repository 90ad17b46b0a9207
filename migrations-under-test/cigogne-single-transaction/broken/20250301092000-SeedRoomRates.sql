-- Launch rates of the seeded rooms in EUR and USD (ON_ERROR_STOP off, so that one bad rate does not stop the deploy).
--- migration:up
\set ON_ERROR_STOP off
INSERT INTO room_rates (room_code, currency, hourly_cents) VALUES
    ('AMS-1-ATLAS', 'EUR', 4500),
    ('AMS-1-BOREAS', 'EUR', 2500),
    ('AMS-2-CASSINI', 'EUR', 6000),
    ('AMS-2-DORADO', 'EUR', 1500)
ON CONFLICT (room_code, currency) DO NOTHING;

INSERT INTO room_rates (room_code, currency, hourly_cents)
SELECT room_code, 'USD', hourly_cents * 11 / 10
FROM room_rates
WHERE currency = 'EUR'
ON CONFLICT (room_code, currency) DO NOTHING;
--- migration:down
DELETE FROM room_rates WHERE room_code IN ('AMS-1-ATLAS', 'AMS-1-BOREAS', 'AMS-2-CASSINI', 'AMS-2-DORADO');
--- migration:end
