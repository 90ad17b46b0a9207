-- The rooms of the first office, so the booking page is not empty on launch day.
--- migration:up
INSERT INTO rooms (code, floor, capacity) VALUES
    ('AMS-1-ATLAS', 1, 8),
    ('AMS-1-BOREAS', 1, 4),
    ('AMS-2-CASSINI', 2, 12),
    ('AMS-2-DORADO', 2, 2)
ON CONFLICT (code) DO NOTHING;
--- migration:down
DELETE FROM rooms WHERE code IN ('AMS-1-ATLAS', 'AMS-1-BOREAS', 'AMS-2-CASSINI', 'AMS-2-DORADO');
--- migration:end
