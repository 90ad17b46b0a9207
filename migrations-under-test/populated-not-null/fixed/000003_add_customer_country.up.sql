-- Every customer gets a country for tax rules; existing customers get 'ZZ' (unknown) until they say.
ALTER TABLE customers ADD COLUMN country_code char(2) NOT NULL DEFAULT 'ZZ';
