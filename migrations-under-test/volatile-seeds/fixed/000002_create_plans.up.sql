-- Plans and their features: serial keys, a foreign key to them, and a trigger that stamps rows.
CREATE TABLE IF NOT EXISTS plans (
    id          serial      PRIMARY KEY,
    code        text        NOT NULL UNIQUE,
    price_cents integer     NOT NULL,
    stamped_at  timestamptz
);

CREATE TABLE IF NOT EXISTS plan_features (
    id       bigserial PRIMARY KEY,
    plan_id  integer   NOT NULL REFERENCES plans (id),
    feature  text      NOT NULL,
    UNIQUE (plan_id, feature)
);

CREATE OR REPLACE FUNCTION stamp_plan() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.stamped_at := clock_timestamp();
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER plans_stamp BEFORE INSERT ON plans
    FOR EACH ROW EXECUTE FUNCTION stamp_plan();
