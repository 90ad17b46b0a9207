-- Bookings of a room by a customer for a time range.
--- migration:up
CREATE TABLE bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    room_code text NOT NULL REFERENCES rooms (code),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    CHECK (ends_at > starts_at)
);

CREATE INDEX bookings_room_starts_at_idx ON bookings (room_code, starts_at);
--- migration:down
DROP TABLE bookings;
--- migration:end
