-- migrate:up
-- Sign-in looks users up by email, so an email is one user: accounts signed up twice with one
-- email keep the oldest, then the index is built.
DELETE FROM users later
USING users earlier
WHERE later.email = earlier.email
  AND later.id > earlier.id;

CREATE UNIQUE INDEX users_email_key ON users (email);

-- migrate:down
DROP INDEX users_email_key;
