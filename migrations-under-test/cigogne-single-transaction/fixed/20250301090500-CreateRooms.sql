-- Meeting rooms and the hourly rate of each, per currency.
--- migration:up
CREATE TABLE rooms (
    code text PRIMARY KEY,
    floor integer NOT NULL,
    capacity integer NOT NULL CHECK (capacity > 0)
);

CREATE TABLE room_rates (
    room_code text NOT NULL REFERENCES rooms (code) ON DELETE CASCADE,
    currency char(3) NOT NULL,
    hourly_cents integer NOT NULL CHECK (hourly_cents >= 0),
    PRIMARY KEY (room_code, currency)
);
--- migration:down
DROP TABLE room_rates;
DROP TABLE rooms;
--- migration:end
