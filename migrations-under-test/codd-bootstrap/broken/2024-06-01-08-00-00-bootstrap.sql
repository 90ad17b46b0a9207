-- codd: no-txn
-- codd-connection: postgres://postgres@localhost:5432/postgres
-- codd's bootstrap: the service's login role and its database, both shared by the whole server.
CREATE ROLE orders_owner LOGIN;

CREATE DATABASE orders;
