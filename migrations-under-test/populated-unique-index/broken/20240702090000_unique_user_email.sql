-- migrate:up
-- Sign-in looks users up by email, so an email is one user.
CREATE UNIQUE INDEX users_email_key ON users (email);

-- migrate:down
DROP INDEX users_email_key;
