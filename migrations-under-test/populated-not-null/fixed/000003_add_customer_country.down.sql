ALTER TABLE customers DROP COLUMN country_code;
