-- Every customer gets a country for tax rules. Fine on an empty table; every existing row fails.
ALTER TABLE customers ADD COLUMN country_code char(2) NOT NULL;
