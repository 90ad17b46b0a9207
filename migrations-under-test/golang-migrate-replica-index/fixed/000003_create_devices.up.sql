CREATE TABLE devices (
  id bigserial PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  label text NOT NULL
);
