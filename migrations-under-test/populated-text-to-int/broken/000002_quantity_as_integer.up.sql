-- Quantities become numbers, so stock can be summed.
ALTER TABLE inventory_items ALTER COLUMN quantity TYPE integer USING quantity::integer;
